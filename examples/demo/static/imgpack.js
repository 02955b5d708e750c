// imgpack.js — framewire.js's decoder for imgpack's latest layout (what the
// imgpack Python package writes today; docs/FORMATS.md §8):
//
//   HEADER_LEN(4, u32 big-endian) | HEADER_JSON | PAD | BLOB
//
// No magic and no version byte. `parseFrame` in framewire.js hands a message
// here when its first four bytes are no known magic and byte 4 is `{`.
//
//   import { parseImgpack, unpackBits } from './imgpack.js';
//
//   parseImgpack(buf, opts?) -> { format: 'imgpack', header: { dtype, bits, endianness, shape, ... },
//                                json, blob, data, levels, ... }
//   unpackBits(bytes, bits, count) -> Uint8Array | Uint16Array | Uint32Array
//
// The checks, their order and every error message are the Rust decoder's
// (`framewire::imgpack::decode`): the blob must be exactly as long as the
// header says, `bits` must fit the dtype, `endianness` is honoured (`null`
// only for `packed` and `uint8`).
//
import { E, U64_MAX, DEFAULT_MAX_DEPTH, DEFAULT_MAX_HEADER_LEN, FramewireError, shifted, bytesOf, dataView, typedAt } from './common.js';
import { utf8, decodeString, jsonNumberToU64, num, expectToken, readShape, readHeaderObject } from './json.js';

/** Bytes before the header JSON: the HEADER_LEN field. */
export const IMGPACK_PREFIX_LEN = 4;
/** The dtypes of the layout, in the order of docs/FORMATS.md. */
export const IMGPACK_DTYPES = Object.freeze(['packed', 'uint8', 'uint16', 'uint32', 'float16', 'float32', 'float64']);

const ELEM_SIZE = { packed: 1, uint8: 1, uint16: 2, float16: 2, uint32: 4, float32: 4, float64: 8 };
const MAX_BITS = { packed: 32, uint8: 8, uint16: 16, uint32: 32 };
const BITS_EXPECTED = {
  8: 'an integer from 1 to 8 (uint8)',
  16: 'an integer from 1 to 16 (uint16)',
  32: 'an integer from 1 to 32 (packed, uint32)',
};
const DTYPE_EXPECTED = '"packed", "uint8", "uint16", "uint32", "float16", "float32" or "float64"';
const KEYS = ['format', 'version', 'dtype', 'endianness', 'shape', 'order', 'size', 'bits', 'resolution', 'vmin', 'vmax'];
const U32_MAX = 0xffffffffn;

/** The next value token (null only past the end, as a syntax error). */
function nextValue(r) {
  const pos = r.pos;
  const item = r.next();
  if (item === null) throw E.syntax(pos, 'a value');
  return item;
}

/** An integer or null: { at, value: BigInt | null }. */
function intOrNull(r, field) {
  const item = nextValue(r);
  if (item.type === 'Null') return { at: item.offset, value: null };
  if (item.type !== 'Number') throw E.wrongType(field, item.offset, 'an integer or null');
  const n = jsonNumberToU64(item.text);
  if (n.error === 'TooLarge') throw E.invalid(field, item.offset, 'an integer below 2^64');
  if (n.error) throw E.invalid(field, item.offset, 'a non-negative integer');
  return { at: item.offset, value: n.value };
}

/**
 * Parses imgpack header JSON bytes (the HEADER_LEN bytes after the length).
 * Offsets in errors are relative to the JSON's first byte. Returns
 * { header, blobLen } with blobLen a BigInt.
 */
function headerOf(json, { maxDepth = DEFAULT_MAX_DEPTH } = {}) {
  let format = null, version = null, dtype = null, endianness = null, endiannessAt = 0, shape = null;
  let order = 'C', size = null, bits = null, bitsAt = null, resolution = null, vmin = 0.0, vmax = 1.0;
  const seen = readHeaderObject(json, maxDepth, KEYS, (key, r) => {
    switch (key) {
      case 'format': {
        const v = expectToken(r, key, 'String', 'a string');
        if (decodeString(v.raw) !== 'imgpack') throw E.invalid(key, v.offset, '"imgpack"');
        format = 'imgpack';
        break;
      }
      case 'version': {
        const v = expectToken(r, key, 'Number', 'a number');
        const n = jsonNumberToU64(v.text);
        if (n.error || n.value < 1n) throw E.invalid(key, v.offset, 'an integer from 1');
        version = num(n.value);
        break;
      }
      case 'dtype': {
        const v = expectToken(r, key, 'String', 'a string');
        // Escapes decoded, as for every other string (docs/FORMATS.md 3.6).
        const s = decodeString(v.raw);
        if (!IMGPACK_DTYPES.includes(s)) throw E.invalid(key, v.offset, DTYPE_EXPECTED);
        dtype = s;
        break;
      }
      case 'endianness': {
        const v = nextValue(r);
        endiannessAt = v.offset;
        if (v.type === 'Null') endianness = null;
        else if (v.type === 'String') {
          const s = decodeString(v.raw);
          if (s !== 'LE' && s !== 'BE') throw E.invalid(key, v.offset, '"LE", "BE" or null');
          endianness = s;
        } else {
          throw E.wrongType(key, v.offset, 'a string or null');
        }
        break;
      }
      case 'shape':
        shape = readShape(r);
        break;
      case 'order': {
        const v = expectToken(r, key, 'String', 'a string');
        const s = decodeString(v.raw);
        if (s !== 'C' && s !== 'F') throw E.invalid(key, v.offset, '"C" or "F"');
        order = s;
        break;
      }
      case 'size':
        size = Number(expectToken(r, key, 'Number', 'a number').text);
        break;
      case 'bits': {
        const { at, value } = intOrNull(r, key);
        bitsAt = at;
        if (value !== null && value > U32_MAX) throw E.invalid(key, at, 'an integer from 1 to 32');
        bits = value === null ? null : Number(value);
        break;
      }
      case 'resolution': {
        const { value } = intOrNull(r, key);
        resolution = value === null ? null : num(value);
        break;
      }
      case 'vmin':
        vmin = Number(expectToken(r, key, 'Number', 'a number').text);
        break;
      case 'vmax':
        vmax = Number(expectToken(r, key, 'Number', 'a number').text);
        break;
    }
  });
  if (dtype === null) throw E.missing('dtype');
  if (shape === null) throw E.missing('shape');
  const max = MAX_BITS[dtype];
  if (max !== undefined) {
    if (bitsAt === null) throw E.missing('bits');
    if (bits === null) throw E.wrongType('bits', bitsAt, 'an integer (the dtype is n-bit)');
    if (bits === 0 || bits > max) throw E.invalid('bits', bitsAt, BITS_EXPECTED[max]);
  }
  if (endianness === null && seen.has('endianness')) {
    if (dtype !== 'packed' && dtype !== 'uint8') {
      throw E.invalid('endianness', endiannessAt, '"LE" or "BE" (null only for packed and uint8)');
    }
  } else if (endianness === null && dtype !== 'packed') {
    endianness = 'LE';
  }
  // H*W, its bits or bytes, and the whole message with the largest JSON
  // and pad must each fit in u64 (the Rust decoder's checks).
  const n = shape[0] * shape[1];
  const units = dtype === 'packed' ? n * BigInt(bits) : n * BigInt(ELEM_SIZE[dtype]);
  const blobLen = dtype === 'packed' ? (units + 7n) / 8n : units;
  if (n > U64_MAX || units > U64_MAX || blobLen + U32_MAX + 4n + 8n > U64_MAX) {
    throw E.sizeOverflow('shape');
  }
  const header = {
    format,
    version,
    dtype,
    endianness,
    shape: [num(shape[0]), num(shape[1])],
    order,
    size,
    bits,
    resolution,
    vmin,
    vmax,
    elements: num(n),
    blobLength: num(blobLen),
  };
  return { header, blobLen };
}

/**
 * Parses imgpack header JSON bytes alone. Offsets in errors are relative to
 * the JSON's first byte. Returns { format, version, dtype, endianness,
 * shape: [H, W], order, size, bits, resolution, vmin, vmax, elements,
 * blobLength }: `null` where the JSON has `null` (or, for format, version,
 * size and resolution, no key); endianness defaults to "LE" except for
 * packed. Sizes are Numbers, or BigInts past 2^53.
 */
export function parseImgpackHeaderJSON(input, options = {}) {
  return headerOf(bytesOf(input), options).header;
}

/**
 * The `count` levels of a `packed` blob: each `bits` wide (1..=32), one
 * LSB-first bit stream (bit k is bit k % 8 of byte k / 8). Returned in the
 * smallest of Uint8Array / Uint16Array / Uint32Array that holds `bits`.
 * `bytes` must hold at least ceil(count * bits / 8) bytes.
 */
export function unpackBits(bytes, bits, count) {
  if (!Number.isInteger(bits) || bits < 1 || bits > 32) {
    throw new RangeError(`framewire: bits must be an integer from 1 to 32, not ${bits}`);
  }
  const u8 = bytesOf(bytes);
  if (u8.length < Math.ceil((count * bits) / 8)) {
    throw new RangeError(`framewire: ${count} ${bits}-bit levels need ${Math.ceil((count * bits) / 8)} bytes, not ${u8.length}`);
  }
  const out = bits <= 8 ? new Uint8Array(count) : bits <= 16 ? new Uint16Array(count) : new Uint32Array(count);
  if (bits === 8) {
    out.set(u8.subarray(0, count));
    return out;
  }
  if (bits <= 24) {
    // The level and its offset in the byte fit 31 bits: 32-bit integer
    // arithmetic is exact (>>> keeps it unsigned).
    const mask = (1 << bits) - 1;
    let acc = 0;
    let have = 0;
    let p = 0;
    for (let i = 0; i < count; i++) {
      while (have < bits) {
        acc |= u8[p++] << have;
        have += 8;
      }
      out[i] = acc & mask;
      acc >>>= bits;
      have -= bits;
    }
    return out;
  }
  // 25..=32 bits: a level plus the bits left over from its first byte need
  // up to 39 bits, past JavaScript's 32-bit integer operators (where
  // `1 << 32` is 1 and `x << 24` turns negative). Plain Number arithmetic is
  // exact there (every value stays below 2^40).
  const span = 2 ** bits;
  let acc = 0;
  let scale = 1; // 2 ** have
  let p = 0;
  for (let i = 0; i < count; i++) {
    while (scale < span) {
      acc += u8[p++] * scale;
      scale *= 256;
    }
    const v = acc % span;
    out[i] = v;
    acc = (acc - v) / span;
    scale /= span;
  }
  return out;
}

/** The blob as imgpack's decoder returns it: levels, or the float values. */
function dataOf(u8, off, header) {
  const n = Number(header.elements);
  const little = header.endianness !== 'BE';
  switch (header.dtype) {
    case 'packed': return unpackBits(u8.subarray(off), header.bits, n);
    case 'uint8': return u8.subarray(off, off + n);
    case 'uint16': return typedAt(u8, off, n, Uint16Array, little);
    case 'uint32': return typedAt(u8, off, n, Uint32Array, little);
    case 'float32': return typedAt(u8, off, n, Float32Array, little);
    case 'float64': return typedAt(u8, off, n, Float64Array, little);
    default: { // float16, as float32 (every binary16 value is exact there)
      const dv = dataView(u8);
      const out = new Float32Array(n);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) {
        const h = dv.getUint16(off + 2 * i, little);
        // A NaN keeps its sign and payload, quieted, as Rust's (and the
        // F16C instruction's) conversion does; a Number would not.
        if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0) {
          bits[i] = (((h & 0x8000) << 16) | 0x7fc00000 | ((h & 0x3ff) << 13)) >>> 0;
        } else {
          out[i] = f16ToNumber(h);
        }
      }
      return out;
    }
  }
}

/** An IEEE binary16 value's bits as a Number. */
export function f16ToNumber(h) {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1024 + frac) * 2 ** (exp - 25);
}

/**
 * Parses one whole imgpack message (a WebSocket message, a file). Checks,
 * in order: 4 bytes of HEADER_LEN, HEADER_LEN within `maxHeaderLen`, the
 * JSON present, UTF-8, JSON (nesting within `maxDepth`), the keys (dtype,
 * shape, bits within the dtype's range, endianness), the blob length within
 * 2^64, and exactly that many blob bytes after the pad.
 *
 * Returns { format: 'imgpack', headerLen, padLen, blobOffset, byteLength,
 * json, header, blob, data, levels }: `data` is the array imgpack's own
 * decoder returns (Uint8Array/Uint16Array/Uint32Array levels, or
 * Float32Array/Float64Array values, float16 widened to Float32Array), a view
 * of the input where the byte order and alignment allow; `levels` is `data`
 * for the n-bit dtypes and null for the floats.
 */
export function parseImgpack(input, { maxHeaderLen = DEFAULT_MAX_HEADER_LEN, maxDepth = DEFAULT_MAX_DEPTH } = {}) {
  const u8 = bytesOf(input);
  if (u8.length < IMGPACK_PREFIX_LEN) throw E.truncated(IMGPACK_PREFIX_LEN, u8.length);
  const headerLen = dataView(u8).getUint32(0, false);
  if (headerLen > maxHeaderLen) throw E.headerTooLong(headerLen, maxHeaderLen, 0);
  const jsonEnd = IMGPACK_PREFIX_LEN + headerLen;
  if (u8.length < jsonEnd) throw E.truncated(jsonEnd, u8.length);
  const jsonBytes = u8.subarray(IMGPACK_PREFIX_LEN, jsonEnd);
  let parsed;
  try {
    parsed = headerOf(jsonBytes, { maxDepth });
  } catch (err) {
    throw shifted(err, IMGPACK_PREFIX_LEN);
  }
  const { header, blobLen } = parsed;
  const elem = ELEM_SIZE[header.dtype];
  const padLen = (elem - (jsonEnd % elem)) % elem;
  const blobOffset = jsonEnd + padLen;
  let total = BigInt(blobOffset) + blobLen;
  if (total > U64_MAX) total = U64_MAX; // Rust saturates here
  const available = BigInt(u8.length);
  if (available < total) throw E.truncated(total, u8.length);
  if (available > total) throw E.trailing(total, u8.length);
  const data = dataOf(u8, blobOffset, header);
  return {
    format: 'imgpack',
    headerLen,
    padLen,
    blobOffset,
    byteLength: u8.length,
    /** The header JSON text as received. */
    json: utf8.decode(jsonBytes),
    header,
    /** The blob bytes, a zero-copy view of the input. */
    blob: u8.subarray(blobOffset),
    data,
    levels: MAX_BITS[header.dtype] === undefined ? null : data,
  };
}

/**
 * The values of an imgpack frame as Float32Array: for the n-bit dtypes
 * x' = vmin + q * ((vmax - vmin) / (2**bits - 1)), in double precision and
 * rounded to float32 (the Rust `imgpack::Dequantizer`); for the floats the
 * values themselves, rounded to float32.
 */
export function imgpackValues(frame, out) {
  const { header, data } = frame;
  const dst = out ?? new Float32Array(data.length);
  if (dst.length !== data.length) {
    throw new FramewireError('LengthMismatch', `length mismatch for blob: expected ${data.length}, got ${dst.length}`);
  }
  if (frame.levels === null) {
    dst.set(data);
    return dst;
  }
  const step = (header.vmax - header.vmin) / (2 ** header.bits - 1);
  for (let i = 0; i < data.length; i++) dst[i] = header.vmin + data[i] * step;
  return dst;
}
