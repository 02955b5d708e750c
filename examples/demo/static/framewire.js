// framewire.js — browser (and Node) decoders for SAC v1 files, VCBN
// envelopes and imgpack's latest layout, as ES modules with no dependencies
// (this file and common.js, json.js and imgpack.js next to it).
//
//   import { parseSAC, parseVCBN, parseImgpack, parseFrame, dequantize, readFrames } from './framewire.js';
//
//   parseSAC(buf)          -> { a: Int16Array, b: Int16Array, width, height, flags, reserved, ... }
//   parseVCBN(buf, opts?)  -> { magic, version, header: { dtype, shape, ... }, json, blob, levels, ... }
//   parseImgpack(buf, opts?) -> { format: 'imgpack', header: { dtype, bits, ... }, json, blob, data, levels, ... }
//   parseFrame(buf, opts?) -> any of the above: told apart by the magic, or imgpack's layout
//                             (no magic) when the first four bytes are no magic and byte 4 is '{'
//   dequantize(frame)      -> Float32Array, x' = vmin + q * ((vmax - vmin) / resolution)
//                             (imgpack: / (2**bits - 1); its float dtypes: the values)
//   readFrames(stream)     -> async generator of frames from a fetch() body (SAC and VCBN, mixed)
//   verifyIntegrity(buf, integrity)  -> Promise<boolean>: buf matches an SRI string ("sha256-...")
//   fetchVerified(url, integrity)    -> Promise<Uint8Array>, rejected if the bytes do not match
//
// `buf` is an ArrayBuffer or any ArrayBuffer view (Uint8Array, DataView,
// Node's Buffer). The rules are those of the Rust crate (docs/FORMATS.md §2, §3, §8), checked
// in the same order, and every bad input throws a `FramewireError` (an
// `Error`) whose message is the Rust decoder's message for the same input:
// what is wrong and at which byte offset.

// The modules next to this one: common.js (limits, errors, input views),
// json.js (the header JSON reader) and imgpack.js (imgpack's latest layout).
import { E, U64_MAX, DEFAULT_MAX_DEPTH, DEFAULT_MAX_HEADER_LEN, FramewireError, shifted, bytesOf, magicOf, dataView, int16At, uint16At } from './common.js';
import { utf8, decodeString, jsonNumberToU64, num, expectToken, readShape, readHeaderObject } from './json.js';
import { parseImgpack, imgpackValues } from './imgpack.js';

export { FramewireError, DEFAULT_MAX_HEADER_LEN, DEFAULT_MAX_DEPTH, MAX_DEPTH_CAP, MAX_NUMBER_LEN } from './common.js';
export { jsonNumberToU64 } from './json.js';

export { parseImgpack, parseImgpackHeaderJSON, unpackBits, f16ToNumber, IMGPACK_DTYPES, IMGPACK_PREFIX_LEN } from './imgpack.js';

export const SAC_MAGIC = 'SAC1';
export const SAC_HEADER_LEN = 24;
export const VCBN_MAGICS = Object.freeze(['VCBN', 'IMPK', 'CBIN']);
export const VCBN_PREFIX_LEN = 9;
const EXPECTED_SAC = '"SAC1"';
const EXPECTED_VCBN = '"VCBN", "IMPK" or "CBIN"';
const EXPECTED_ANY = '"SAC1", "VCBN", "IMPK" or "CBIN"';

// ------------------------------------------------------------------ SAC v1

/** Validates a SAC header (at least 24 bytes) and returns its fields and frame length. */
function sacHeader(u8) {
  if (u8.length < SAC_HEADER_LEN) throw E.truncated(SAC_HEADER_LEN, u8.length);
  if (magicOf(u8) !== SAC_MAGIC) throw E.badMagic(u8.subarray(0, 4), EXPECTED_SAC);
  const dv = dataView(u8);
  const h = {
    flags: u8[4],
    dtypeCode: u8[5],
    arraysCount: u8[6],
    reserved: u8[7],
    lengthA: dv.getUint32(8, true),
    lengthB: dv.getUint32(12, true),
    width: dv.getUint32(16, true),
    height: dv.getUint32(20, true),
  };
  if (h.dtypeCode !== 1) throw E.dtypeCode(h.dtypeCode);
  if (h.arraysCount !== 2) throw E.arrayCount(h.arraysCount);
  // width*height can reach 2^64: compare exactly.
  const area = BigInt(h.width) * BigInt(h.height);
  if (area !== 0n && (BigInt(h.lengthA) !== area || BigInt(h.lengthB) !== area)) {
    throw E.shapeMismatch(h.width, h.height, h.lengthA, h.lengthB);
  }
  // At most 24 + 2 * 2 * (2^32 - 1) < 2^35: exact in a double.
  h.frameLen = SAC_HEADER_LEN + 2 * h.lengthA + 2 * h.lengthB;
  return h;
}

function sacFrame(u8, h) {
  if (u8.length < h.frameLen) throw E.truncated(h.frameLen, u8.length);
  if (u8.length > h.frameLen) throw E.trailing(h.frameLen, u8.length);
  return {
    format: 'sac',
    flags: h.flags,
    dtypeCode: h.dtypeCode,
    arraysCount: h.arraysCount,
    reserved: h.reserved,
    lengthA: h.lengthA,
    lengthB: h.lengthB,
    width: h.width,
    height: h.height,
    byteLength: h.frameLen,
    a: int16At(u8, SAC_HEADER_LEN, h.lengthA),
    b: int16At(u8, SAC_HEADER_LEN + 2 * h.lengthA, h.lengthB),
  };
}

/**
 * Parses one whole SAC v1 file. Checks, in order: 24 bytes of header, magic
 * "SAC1", dtype_code 1, arrays_count 2, width*height against both lengths
 * (when non-zero), and that the input is exactly 24 + 2*length_a + 2*length_b
 * bytes (fewer: truncated; more: trailing bytes). `a` and `b` are Int16Array
 * views of the input when it is 2-byte aligned, else copies.
 */
export function parseSAC(input) {
  const u8 = bytesOf(input);
  return sacFrame(u8, sacHeader(u8));
}

const FIELDS = ['dtype', 'shape', 'endianness', 'order', 'resolution', 'vmin', 'vmax'];

/**
 * Parses VCBN header JSON bytes. Offsets in errors are relative to the first
 * byte of the JSON. Returns the decoded header with defaults applied:
 * { dtype, endianness, shape: [H, W], order, resolution, vmin, vmax,
 * elements, blobLength }. Sizes are Numbers, or BigInts past 2^53.
 */
export function parseHeaderJSON(input, options = {}) {
  return headerOf(bytesOf(input), options).header;
}

/** parseHeaderJSON, plus the exact blob length as a BigInt. */
function headerOf(json, { maxDepth = DEFAULT_MAX_DEPTH } = {}) {
  let dtype = null, shape = null, endianness = 'LE', order = 'C', resolution = null;
  let vmin = 0.0, vmax = 1.0;
  readHeaderObject(json, maxDepth, FIELDS, (key, r) => {
    switch (key) {
      case 'dtype': {
        const v = expectToken(r, 'dtype', 'String', 'a string');
        const s = decodeString(v.raw);
        if (s === 'uint8' || s === 'uint16') dtype = s;
        else throw E.unknownDtype(v.offset);
        break;
      }
      case 'shape':
        shape = readShape(r);
        break;
      case 'endianness': {
        const v = expectToken(r, 'endianness', 'String', 'a string');
        const s = decodeString(v.raw);
        if (s !== 'LE' && s !== 'BE') throw E.invalid('endianness', v.offset, '"LE" or "BE"');
        endianness = s;
        break;
      }
      case 'order': {
        const v = expectToken(r, 'order', 'String', 'a string');
        const s = decodeString(v.raw);
        if (s !== 'C' && s !== 'F') throw E.invalid('order', v.offset, '"C" or "F"');
        order = s;
        break;
      }
      case 'resolution': {
        const v = expectToken(r, 'resolution', 'Number', 'a number');
        const n = jsonNumberToU64(v.text);
        if (n.error || n.value < 1n || n.value > 65535n) {
          throw E.invalid('resolution', v.offset, 'an integer from 1 to 65535');
        }
        resolution = Number(n.value);
        break;
      }
      case 'vmin':
        vmin = Number(expectToken(r, 'vmin', 'Number', 'a number').text);
        break;
      case 'vmax':
        vmax = Number(expectToken(r, 'vmax', 'Number', 'a number').text);
        break;
    }
  });
  if (dtype === null) throw E.missing('dtype');
  if (shape === null) throw E.missing('shape');
  const size = dtype === 'uint8' ? 1n : 2n;
  const blobLen = shape[0] * shape[1] * size;
  if (blobLen > U64_MAX) throw E.sizeOverflow('shape');
  // The whole frame (prefix, JSON, at most one pad byte, blob) must fit in
  // 64 bits too, as in Rust (docs/FORMATS.md 3.7).
  if (BigInt(VCBN_PREFIX_LEN) + BigInt(json.length) + 1n + blobLen > U64_MAX) throw E.sizeOverflow('shape');
  const header = {
    dtype,
    endianness,
    shape: [num(shape[0]), num(shape[1])],
    order,
    resolution: resolution ?? (dtype === 'uint8' ? 255 : 4096),
    vmin,
    vmax,
    elements: num(shape[0] * shape[1]),
    blobLength: num(blobLen),
  };
  return { header, blobLen };
}

// ------------------------------------------------------------------ VCBN

/** Validates the 9-byte prefix; returns { magic, version, headerLen, blobOffset }. */
function vcbnPrefix(u8, maxHeaderLen) {
  if (u8.length < VCBN_PREFIX_LEN) throw E.truncated(VCBN_PREFIX_LEN, u8.length);
  const magic = magicOf(u8);
  if (!VCBN_MAGICS.includes(magic)) throw E.badMagic(u8.subarray(0, 4), EXPECTED_VCBN);
  const version = u8[4];
  if (version === 0) throw E.version(version);
  const headerLen = dataView(u8).getUint32(5, false);
  if (headerLen > maxHeaderLen) throw E.headerTooLong(headerLen, maxHeaderLen);
  const pad = headerLen % 2 === 0 ? 1 : 0;
  return { magic, version, headerLen, pad, blobOffset: VCBN_PREFIX_LEN + headerLen + pad };
}

/** Prefix and header, given at least blobOffset bytes. Adds frameLen (a Number, or a BigInt past 2^53). */
function vcbnHeader(u8, p, maxDepth) {
  const jsonBytes = u8.subarray(VCBN_PREFIX_LEN, VCBN_PREFIX_LEN + p.headerLen);
  let parsed;
  try {
    parsed = headerOf(jsonBytes, { maxDepth });
  } catch (err) {
    throw shifted(err, VCBN_PREFIX_LEN);
  }
  const { header, blobLen } = parsed;
  const total = BigInt(p.blobOffset) + blobLen;
  const frameLen = total > U64_MAX ? U64_MAX : total; // Rust saturates here
  return { prefix: p, header, jsonBytes, frameLen: num(frameLen) };
}

function vcbnFrame(u8, h) {
  const { prefix: p, header } = h;
  const total = BigInt(h.frameLen);
  const available = BigInt(u8.length);
  if (available < total) throw E.truncated(total, u8.length);
  if (available > total) throw E.trailing(total, u8.length);
  const blob = u8.subarray(p.blobOffset);
  const n = Number(header.elements);
  const levels = header.dtype === 'uint8'
    ? blob
    : uint16At(u8, p.blobOffset, n, header.endianness === 'LE');
  return {
    format: 'vcbn',
    magic: p.magic,
    version: p.version,
    headerLen: p.headerLen,
    padLen: p.pad,
    blobOffset: p.blobOffset,
    byteLength: u8.length,
    /** The header JSON text as received. */
    json: utf8.decode(h.jsonBytes),
    header,
    /** The blob bytes, a zero-copy view of the input. */
    blob,
    /** The levels as native numbers: Uint8Array, or Uint16Array (a view when LE and aligned, else a copy). */
    levels,
  };
}

/**
 * Parses one whole VCBN envelope (a WebSocket message, a file). Checks, in
 * order: 9 bytes of prefix, magic (VCBN, IMPK or CBIN), version >= 1,
 * HEADER_LEN within `maxHeaderLen`, header and pad present, UTF-8, JSON
 * (nesting within `maxDepth`), keys and types, H*W*size within 2^64, and
 * exactly H*W*size blob bytes after it.
 */
export function parseVCBN(input, { maxHeaderLen = DEFAULT_MAX_HEADER_LEN, maxDepth = DEFAULT_MAX_DEPTH } = {}) {
  const u8 = bytesOf(input);
  const p = vcbnPrefix(u8, maxHeaderLen);
  if (u8.length < p.blobOffset) throw E.truncated(p.blobOffset, u8.length);
  return vcbnFrame(u8, vcbnHeader(u8, p, maxDepth));
}

/**
 * Parses one whole message: SAC or VCBN, told apart by the magic, or
 * imgpack's latest layout, which has none: taken when the first four bytes
 * are no known magic and byte 4 is '{' (the start of its header JSON), as
 * the Rust `Format::detect` does.
 */
export function parseFrame(input, options = {}) {
  const u8 = bytesOf(input);
  if (u8.length < 4) throw E.truncated(4, u8.length);
  const magic = magicOf(u8);
  if (magic === SAC_MAGIC) return parseSAC(u8);
  if (VCBN_MAGICS.includes(magic)) return parseVCBN(u8, options);
  if (u8.length > 4 && u8[4] === 0x7b) return parseImgpack(u8, options);
  throw E.badMagic(u8.subarray(0, 4), EXPECTED_ANY);
}

// ------------------------------------------------------------------ dequantize

/**
 * Dequantizes levels: x' = vmin + q * ((vmax - vmin) / resolution), computed
 * in double precision and rounded to float32 (bit-identical to the Rust
 * `Dequantizer`). Takes a frame from parseVCBN (or its `header` plus levels),
 * or one from parseImgpack (see imgpackValues in imgpack.js).
 */
export function dequantize(frameOrHeader, levels, out) {
  if (frameOrHeader.format === 'imgpack') return imgpackValues(frameOrHeader, out);
  const header = frameOrHeader.header ?? frameOrHeader;
  const lv = levels ?? frameOrHeader.levels;
  if (!lv) throw new TypeError('framewire: dequantize needs levels');
  const { vmin, vmax, resolution } = header;
  const step = (vmax - vmin) / resolution;
  const dst = out ?? new Float32Array(lv.length);
  if (dst.length !== lv.length) {
    throw new FramewireError('LengthMismatch',
      `length mismatch for blob: expected ${lv.length}, got ${dst.length}`);
  }
  for (let i = 0; i < lv.length; i++) dst[i] = vmin + lv[i] * step;
  return dst;
}

// ------------------------------------------------------------------ streaming

/** A growable byte queue: append at the end, take from the front. */
class ByteQueue {
  constructor() {
    this.buf = new Uint8Array(64 * 1024);
    this.start = 0;
    this.end = 0;
  }
  get length() { return this.end - this.start; }
  view() { return this.buf.subarray(this.start, this.end); }
  push(chunk) {
    const n = chunk.length;
    if (this.end + n > this.buf.length) {
      const len = this.length;
      if (len + n <= this.buf.length && this.start > 0 && len <= this.buf.length / 2) {
        this.buf.copyWithin(0, this.start, this.end);
      } else {
        const grown = new Uint8Array(Math.max(this.buf.length * 2, len + n));
        grown.set(this.view());
        this.buf = grown;
      }
      this.start = 0;
      this.end = len;
    }
    this.buf.set(chunk, this.end);
    this.end += n;
  }
  /** Removes and returns the first `n` bytes as a new, 0-aligned buffer. */
  take(n) {
    const out = this.buf.slice(this.start, this.start + n);
    this.start += n;
    if (this.start === this.end) this.start = this.end = 0;
    return out;
  }
}

function streamError(err, offset) {
  if (!(err instanceof FramewireError)) return err;
  const e = new FramewireError(err.code, `at stream offset ${offset}: ${err.message}`, err.offset);
  e.streamOffset = offset;
  return e;
}

async function* chunksOf(source) {
  if (source && typeof source.getReader === 'function') {
    const reader = source.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  } else if (source && (source[Symbol.asyncIterator] || source[Symbol.iterator])) {
    yield* source;
  } else if (source && source.body !== undefined) {
    if (source.body === null) return;
    yield* chunksOf(source.body); // a fetch Response
  } else {
    throw new TypeError('framewire: readFrames needs a ReadableStream, a Response or an (async) iterable of byte chunks');
  }
}

/**
 * Parses back-to-back frames (SAC and VCBN, mixed) from a byte stream as the
 * bytes arrive: a ReadableStream (e.g. `(await fetch(url)).body`), a fetch
 * Response, or an (async) iterable of Uint8Array / ArrayBuffer chunks.
 * Yields each frame (as parseSAC / parseVCBN return it, plus `streamOffset`)
 * as soon as its last byte is in. Keeps its place between chunks: a header is
 * parsed once, when enough bytes are in, and nothing is re-scanned; memory
 * grows with the bytes received, never with a length read from a header.
 * Throws a FramewireError "at stream offset N: ..." on a bad frame, and a
 * truncation error if the stream ends inside a frame.
 */
export async function* readFrames(source, { maxHeaderLen = DEFAULT_MAX_HEADER_LEN, maxDepth = DEFAULT_MAX_DEPTH } = {}) {
  const q = new ByteQueue();
  let offset = 0; // stream offset of the queue's first byte: the current frame's start
  let prefix = null; // the VCBN prefix, once its 9 bytes are in
  let pending = null; // { kind, h, frameLen } once the whole header is parsed

  // Bytes the current frame is known to need so far.
  function needed(u8) {
    if (pending) return pending.frameLen;
    if (u8.length < 4) return 4;
    if (magicOf(u8) === SAC_MAGIC) return SAC_HEADER_LEN;
    if (prefix) return VCBN_PREFIX_LEN + prefix.headerLen;
    return VCBN_PREFIX_LEN;
  }

  function* drain() {
    for (;;) {
      const u8 = q.view();
      if (pending === null) {
        if (u8.length < 4) return;
        const magic = magicOf(u8);
        if (magic === SAC_MAGIC) {
          if (u8.length < SAC_HEADER_LEN) return;
          const h = sacHeader(u8);
          pending = { kind: 'sac', h, frameLen: h.frameLen };
        } else if (VCBN_MAGICS.includes(magic)) {
          if (prefix === null) {
            if (u8.length < VCBN_PREFIX_LEN) return;
            prefix = vcbnPrefix(u8, maxHeaderLen);
          }
          // The header is whole at 9 + HEADER_LEN bytes; the pad byte
          // belongs to the frame's length, not to the header's checks.
          if (u8.length < VCBN_PREFIX_LEN + prefix.headerLen) return;
          const h = vcbnHeader(u8, prefix, maxDepth);
          pending = { kind: 'vcbn', h, frameLen: h.frameLen };
          prefix = null;
        } else {
          throw E.badMagic(u8.subarray(0, 4), EXPECTED_ANY);
        }
        // A frame of 2^53 bytes or more keeps a BigInt frameLen: it is never
        // complete (no buffer holds it), and the end of the stream reports it
        // cut short with its length, as in Rust.
      }
      if (u8.length < pending.frameLen) return;
      const bytes = q.take(pending.frameLen);
      const frame = pending.kind === 'sac'
        ? sacFrame(bytes, pending.h)
        // The parsed header holds a view of its JSON bytes: point it at the copy.
        : vcbnFrame(bytes, { ...pending.h, jsonBytes: bytes.subarray(VCBN_PREFIX_LEN, VCBN_PREFIX_LEN + pending.h.prefix.headerLen) });
      frame.streamOffset = offset;
      offset += pending.frameLen;
      pending = null;
      yield frame;
    }
  }

  try {
    for await (const chunk of chunksOf(source)) {
      q.push(bytesOf(chunk));
      yield* drain();
    }
  } catch (err) {
    throw streamError(err, offset);
  }
  if (q.length > 0) {
    throw streamError(E.truncated(needed(q.view()), q.length), offset);
  }
}

// ------------------------------------------------------------------ integrity
// `framewire publish --content-addressed` writes framewire-manifest.json:
// { "files": { "<name>.sac": { "url", "size", "sha256", "integrity" } } },
// `integrity` as Subresource Integrity writes it ("sha256-<base64>"). These
// check bytes against it with SubtleCrypto (browsers in secure contexts,
// Node >= 19) before they are decoded.

const SRI_ALGORITHMS = Object.freeze({ sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' });

/**
 * Whether `input` (ArrayBuffer or view) has the digest `integrity` names:
 * one or more space-separated `sha256-`, `sha384-` or `sha512-` base64
 * hashes, any of which may match (as SRI reads them). Throws a TypeError for
 * a string with no hash it knows.
 */
export async function verifyIntegrity(input, integrity) {
  const bytes = bytesOf(input);
  const wanted = String(integrity).trim().split(/\s+/)
    .map((item) => /^(sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})(\?.*)?$/.exec(item))
    .filter(Boolean);
  if (wanted.length === 0) throw new TypeError(`no sha256/sha384/sha512 hash in integrity ${JSON.stringify(integrity)}`);
  for (const [, alg, b64] of wanted) {
    const digest = new Uint8Array(await globalThis.crypto.subtle.digest(SRI_ALGORITHMS[alg], bytes));
    let text = '';
    for (const b of digest) text += String.fromCharCode(b);
    if (btoa(text) === b64) return true;
  }
  return false;
}

/** `fetch(url)`'s body as a Uint8Array, rejected unless it matches `integrity`. */
export async function fetchVerified(url, integrity, init = {}) {
  const resp = await fetch(url, init);
  if (!resp.ok) throw new Error(`${url}: HTTP ${resp.status}`);
  const bytes = new Uint8Array(await resp.arrayBuffer());
  if (!(await verifyIntegrity(bytes, integrity))) {
    throw new Error(`${url}: the bytes do not match ${integrity}`);
  }
  return bytes;
}
