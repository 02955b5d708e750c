// framewire.js — browser (and Node) decoders for SAC v1 files, VCBN
// envelopes and imgpack's latest layout, as ES modules with no dependencies
// (this file and imgpack.js next to it).
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

// imgpack's latest layout lives in imgpack.js, which uses this module's JSON
// reader and error messages (see `_internal` at the end).
import { parseImgpack, imgpackValues } from './imgpack.js';

export { parseImgpack, parseImgpackHeaderJSON, unpackBits, f16ToNumber, IMGPACK_DTYPES, IMGPACK_PREFIX_LEN } from './imgpack.js';

export const SAC_MAGIC = 'SAC1';
export const SAC_HEADER_LEN = 24;
export const VCBN_MAGICS = Object.freeze(['VCBN', 'IMPK', 'CBIN']);
export const VCBN_PREFIX_LEN = 9;
/** Default limit on the VCBN HEADER_LEN (64 KiB), as in the Rust decoder. */
export const DEFAULT_MAX_HEADER_LEN = 64 * 1024;
/** Default nesting limit of the header JSON. */
export const DEFAULT_MAX_DEPTH = 32;
/** Largest nesting limit accepted; larger requests are clamped to it. */
export const MAX_DEPTH_CAP = 256;
/** Longest JSON number token accepted, in bytes. */
export const MAX_NUMBER_LEN = 512;

const U64_MAX = (1n << 64n) - 1n;
const EXPECTED_SAC = '"SAC1"';
const EXPECTED_VCBN = '"VCBN", "IMPK" or "CBIN"';
const EXPECTED_ANY = '"SAC1", "VCBN", "IMPK" or "CBIN"';
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The error every decoder throws. `code` names the cause (the Rust variant). */
export class FramewireError extends Error {
  constructor(code, message, offset) {
    super(message);
    this.name = 'FramewireError';
    /** 'Truncated', 'TrailingBytes', 'BadMagic', 'JsonSyntax', ... */
    this.code = code;
    /** Byte offset the error points at, when it has one. */
    if (offset !== undefined) this.offset = offset;
  }
}

// ------------------------------------------------------------------ errors
// One function per cause; messages are the Rust `Display` texts.

const E = {
  truncated: (needed, available) => new FramewireError('Truncated',
    `truncated input: the frame needs ${needed} bytes but the input ends after ${available}`, available),
  trailing: (expected, actual) => new FramewireError('TrailingBytes',
    `trailing bytes: the frame ends at offset ${expected} but the input has ${actual} bytes`, expected),
  badMagic: (found, expected) => new FramewireError('BadMagic',
    `bad magic "${printable(found)}" at offset 0 (expected ${expected})`, 0),
  dtypeCode: (code) => new FramewireError('UnsupportedDtypeCode',
    `unsupported SAC dtype_code ${code} at offset 5 (v1 requires 1 = int16)`, 5),
  arrayCount: (count) => new FramewireError('UnsupportedArrayCount',
    `unsupported SAC arrays_count ${count} at offset 6 (v1 requires 2)`, 6),
  shapeMismatch: (w, h, la, lb) => new FramewireError('ShapeMismatch',
    `shape mismatch: width*height = ${w}*${h} = ${BigInt(w) * BigInt(h)} but length_a = ${la} and length_b = ${lb}`),
  sizeOverflow: (field) => new FramewireError('SizeOverflow',
    `size overflow: the byte size implied by ${field} does not fit in this target's address space`),
  version: (v) => new FramewireError('UnsupportedVersion',
    `unsupported VCBN version ${v} at offset 4 (versions start at 1)`, 4),
  headerTooLong: (len, limit, offset = 5) => new FramewireError('HeaderTooLong',
    `header too long: HEADER_LEN at offset ${offset} is ${len} bytes, over the limit of ${limit}`, offset),
  notUtf8: (offset) => new FramewireError('HeaderNotUtf8',
    `header is not valid UTF-8 at offset ${offset}`, offset),
  syntax: (offset, expected) => new FramewireError('JsonSyntax',
    `malformed header JSON at offset ${offset}: expected ${expected}`, offset),
  tooDeep: (offset, limit) => new FramewireError('JsonTooDeep',
    `header JSON nests deeper than the limit of ${limit} at offset ${offset}`, offset),
  numberTooLong: (offset, limit) => new FramewireError('JsonNumberTooLong',
    `header JSON number at offset ${offset} is longer than the limit of ${limit} characters`, offset),
  duplicate: (field, offset) => new FramewireError('DuplicateField',
    `header key "${field}" appears twice (again at offset ${offset})`, offset),
  missing: (field) => new FramewireError('MissingField',
    `header has no "${field}" key, which is required`),
  wrongType: (field, offset, expected) => new FramewireError('WrongType',
    `header key "${field}" at offset ${offset} must be ${expected}`, offset),
  unknownDtype: (offset) => new FramewireError('UnknownDtype',
    `unknown dtype at offset ${offset} (expected "uint8" or "uint16")`, offset),
  badShape: (offset, reason) => new FramewireError('BadShape',
    `bad shape at offset ${offset}: ${reason}`, offset),
  invalid: (field, offset, expected) => new FramewireError('InvalidValue',
    `invalid value for header key "${field}" at offset ${offset} (expected ${expected})`, offset),
};

/** Re-creates `err` with every offset moved forward by `by` (header JSON -> envelope). */
function shifted(err, by) {
  if (!(err instanceof FramewireError) || err.offset === undefined) return err;
  const moved = err.offset + by;
  const message = err.message.replace(/at offset (\d+)/, `at offset ${moved}`);
  return new FramewireError(err.code, message, moved);
}

/** Four magic bytes, printable: ASCII as is, anything else as \xNN. */
function printable(bytes) {
  let s = '';
  for (const b of bytes) {
    s += b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return s;
}

// ------------------------------------------------------------------ input

/** Any ArrayBuffer or view as a Uint8Array over the same memory. */
function bytesOf(input) {
  if (input instanceof Uint8Array && input.constructor === Uint8Array) return input;
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  if (input instanceof ArrayBuffer ||
      (typeof SharedArrayBuffer !== 'undefined' && input instanceof SharedArrayBuffer)) {
    return new Uint8Array(input);
  }
  throw new TypeError('framewire: expected an ArrayBuffer or an ArrayBuffer view (Uint8Array, DataView, ...)');
}

function magicOf(u8) {
  return String.fromCharCode(u8[0], u8[1], u8[2], u8[3]);
}

function dataView(u8) {
  return new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
}

/** An Int16Array of `n` little-endian values at `off`: a view when aligned, else a copy. */
function int16At(u8, off, n) {
  const abs = u8.byteOffset + off;
  if (LITTLE_ENDIAN && abs % 2 === 0) return new Int16Array(u8.buffer, abs, n);
  const dv = dataView(u8);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = dv.getInt16(off + 2 * i, true);
  return out;
}

/** A Uint16Array of `n` values at `off` in the given byte order: a view when possible, else a copy. */
function uint16At(u8, off, n, little) {
  const abs = u8.byteOffset + off;
  if (little === LITTLE_ENDIAN && abs % 2 === 0) return new Uint16Array(u8.buffer, abs, n);
  const dv = dataView(u8);
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++) out[i] = dv.getUint16(off + 2 * i, little);
  return out;
}

/** `n` values of a typed array type `T` at `off` in the given byte order: a view when possible, else a copy. */
function typedAt(u8, off, n, T, getter, little) {
  const abs = u8.byteOffset + off;
  if (little === LITTLE_ENDIAN && abs % T.BYTES_PER_ELEMENT === 0) return new T(u8.buffer, abs, n);
  const dv = dataView(u8);
  const out = new T(n);
  for (let i = 0; i < n; i++) out[i] = dv[getter](off + T.BYTES_PER_ELEMENT * i, little);
  return out;
}

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

// ------------------------------------------------------------------ UTF-8

/** Offset of the first byte that is not part of valid UTF-8 (Rust's `valid_up_to`), or -1. */
function utf8InvalidAt(u8, start, end) {
  let i = start;
  while (i < end) {
    const b = u8[i];
    if (b < 0x80) { i++; continue; }
    let need, min;
    if (b >= 0xc2 && b <= 0xdf) { need = 1; min = 0x80; }
    else if (b >= 0xe0 && b <= 0xef) { need = 2; min = 0x800; }
    else if (b >= 0xf0 && b <= 0xf4) { need = 3; min = 0x10000; }
    else return i - start;
    // A sequence cut short, a bad continuation byte, an overlong form, a
    // surrogate or a code point past U+10FFFF: invalid from its first byte.
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = i + k < end ? u8[i + k] : -1;
      if (c < 0 || (c & 0xc0) !== 0x80) return i - start;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i - start;
    i += need + 1;
  }
  return -1;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

// ------------------------------------------------------------------ JSON reader
// A port of the crate's `json::Reader`: an iterative pull tokenizer over the
// header bytes with a runtime nesting limit, byte offsets in every error, and
// Python's NaN / Infinity / -Infinity accepted as numbers.

const WS = (b) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
const DIGIT = (b) => b >= 0x30 && b <= 0x39;
const HEX = (b) => DIGIT(b) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);

const X_VALUE = 0, X_VALUE_OR_END = 1, X_KEY = 2, X_KEY_OR_END = 3, X_COLON = 4, X_COMMA_OR_END = 5, X_DONE = 6;

class Reader {
  constructor(bytes, maxDepth) {
    this.b = bytes;
    this.pos = 0;
    this.depth = 0;
    this.maxDepth = Math.min(maxDepth, MAX_DEPTH_CAP);
    this.stack = []; // true = object
    this.expect = X_VALUE;
  }

  startsWith(word) {
    const b = this.b;
    if (this.pos + word.length > b.length) return false;
    for (let i = 0; i < word.length; i++) if (b[this.pos + i] !== word.charCodeAt(i)) return false;
    return true;
  }

  afterValue() {
    this.expect = this.depth === 0 ? X_DONE : X_COMMA_OR_END;
  }

  close(offset, type) {
    this.pos++;
    this.depth--;
    this.stack.pop();
    this.afterValue();
    return { offset, type };
  }

  push(offset, object) {
    if (this.depth >= this.maxDepth) throw E.tooDeep(offset, this.maxDepth);
    this.stack.push(object);
    this.depth++;
  }

  /** The next token `{ offset, type, raw?, text?, value? }`, or null at the end. */
  next() {
    const b = this.b;
    for (;;) {
      while (this.pos < b.length && WS(b[this.pos])) this.pos++;
      const start = this.pos;
      if (start >= b.length) {
        switch (this.expect) {
          case X_DONE: return null;
          case X_VALUE: case X_VALUE_OR_END: throw E.syntax(start, 'a value');
          case X_KEY: case X_KEY_OR_END: throw E.syntax(start, 'a key');
          case X_COLON: throw E.syntax(start, "':'");
          default: throw E.syntax(start, "',' or a closing bracket");
        }
      }
      const c = b[start];
      switch (this.expect) {
        case X_DONE:
          throw E.syntax(start, 'the end of the JSON text');
        case X_COLON:
          if (c !== 0x3a) throw E.syntax(start, "':'");
          this.pos++;
          this.expect = X_VALUE;
          continue;
        case X_COMMA_OR_END: {
          const object = this.stack[this.stack.length - 1] === true;
          if (c === 0x2c) {
            this.pos++;
            this.expect = object ? X_KEY : X_VALUE;
            continue;
          }
          if (c === 0x7d && object) return this.close(start, 'EndObject');
          if (c === 0x5d && !object) return this.close(start, 'EndArray');
          throw E.syntax(start, object ? "',' or '}'" : "',' or ']'");
        }
        case X_KEY_OR_END:
        case X_KEY: {
          if (c === 0x7d && this.expect === X_KEY_OR_END) return this.close(start, 'EndObject');
          if (c !== 0x22) throw E.syntax(start, 'a string key');
          const raw = this.string();
          this.expect = X_COLON;
          return { offset: start, type: 'Key', raw };
        }
        default:
          if (this.expect === X_VALUE_OR_END && c === 0x5d) return this.close(start, 'EndArray');
          return this.value(start, c);
      }
    }
  }

  value(start, c) {
    let tok;
    if (c === 0x7b || c === 0x5b) {
      const object = c === 0x7b;
      this.push(start, object);
      this.pos++;
      this.expect = object ? X_KEY_OR_END : X_VALUE_OR_END;
      return { offset: start, type: object ? 'BeginObject' : 'BeginArray' };
    }
    if (c === 0x22) tok = { offset: start, type: 'String', raw: this.string() };
    else if (c === 0x2d || DIGIT(c) || c === 0x4e || c === 0x49) tok = { offset: start, type: 'Number', text: this.number() };
    else if (c === 0x74) tok = this.literal(start, 'true', 'Bool', true);
    else if (c === 0x66) tok = this.literal(start, 'false', 'Bool', false);
    else if (c === 0x6e) tok = this.literal(start, 'null', 'Null', null);
    else throw E.syntax(start, 'a value');
    this.afterValue();
    return tok;
  }

  literal(start, word, type, value) {
    if (!this.startsWith(word)) throw E.syntax(this.pos, 'a value');
    this.pos += word.length;
    return { offset: start, type, value };
  }

  /** Scans a string (the reader is on its opening quote); returns the raw bytes between the quotes. */
  string() {
    const b = this.b;
    this.pos++;
    const body = this.pos;
    for (;;) {
      const at = this.pos;
      if (at >= b.length) throw E.syntax(at, "'\"' to close the string");
      const c = b[at];
      if (c === 0x22) {
        this.pos++;
        return b.subarray(body, at);
      }
      if (c === 0x5c) {
        this.pos++;
        const e = this.pos < b.length ? b[this.pos] : -1;
        if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 ||
            e === 0x6e || e === 0x72 || e === 0x74) {
          this.pos++;
        } else if (e === 0x75) {
          this.pos++;
          if (this.pos + 4 > b.length || !(HEX(b[this.pos]) && HEX(b[this.pos + 1]) &&
              HEX(b[this.pos + 2]) && HEX(b[this.pos + 3]))) {
            throw E.syntax(this.pos, 'four hex digits after \\u');
          }
          this.pos += 4;
        } else {
          throw E.syntax(this.pos, "a valid escape after '\\'");
        }
      } else if (c < 0x20) {
        throw E.syntax(at, 'no control characters inside a string');
      } else {
        let i = at + 1;
        while (i < b.length && b[i] !== 0x22 && b[i] !== 0x5c && b[i] >= 0x20) i++;
        this.pos = i;
      }
    }
  }

  /** Scans a number; returns its text. */
  number() {
    const b = this.b;
    const start = this.pos;
    for (const word of ['NaN', 'Infinity', '-Infinity']) {
      if (this.startsWith(word)) {
        this.pos += word.length;
        return word;
      }
    }
    const at = (i) => (start + i < b.length ? b[start + i] : -1);
    const digitsFrom = (i) => {
      let n = 0;
      while (DIGIT(at(i + n))) n++;
      return n;
    };
    let i = 0;
    if (at(i) === 0x2d) i++;
    const first = at(i);
    if (first === 0x30) i++;
    else if (first >= 0x31 && first <= 0x39) i += digitsFrom(i);
    else throw E.syntax(start + i, 'a digit');
    if (i > MAX_NUMBER_LEN) throw E.numberTooLong(start, MAX_NUMBER_LEN);
    if (at(i) === 0x2e) {
      i++;
      const n = digitsFrom(i);
      if (n === 0) throw E.syntax(start + i, "a digit after '.'");
      i += n;
    }
    if (at(i) === 0x65 || at(i) === 0x45) {
      i++;
      if (at(i) === 0x2b || at(i) === 0x2d) i++;
      const n = digitsFrom(i);
      if (n === 0) throw E.syntax(start + i, 'a digit in the exponent');
      i += n;
    }
    if (i > MAX_NUMBER_LEN) throw E.numberTooLong(start, MAX_NUMBER_LEN);
    this.pos = start + i;
    return String.fromCharCode(...b.subarray(start, start + i));
  }

  /** Skips one whole value; returns [startOffset, endOffset]. */
  skipValue() {
    const base = this.depth;
    const first = this.next();
    if (first === null) throw E.syntax(this.pos, 'a value');
    if (first.type === 'EndObject' || first.type === 'EndArray' || first.type === 'Key') {
      throw E.syntax(first.offset, 'a value');
    }
    while (this.depth > base) {
      if (this.next() === null) throw E.syntax(this.pos, 'a closing bracket');
    }
    return [first.offset, this.pos];
  }

  finish() {
    const item = this.next();
    if (item !== null) throw E.syntax(item.offset, 'the end of the JSON text');
  }
}

/** Decodes a JSON string's raw bytes (escapes validated by the reader); lone surrogates become U+FFFD. */
function decodeString(raw) {
  const s = utf8.decode(raw);
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch !== '\\') { out += ch; continue; }
    const e = s[++i];
    switch (e) {
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        const hi = parseInt(s.substr(i + 1, 4), 16);
        i += 4;
        if (hi >= 0xd800 && hi < 0xdc00 && s[i + 1] === '\\' && s[i + 2] === 'u') {
          const lo = parseInt(s.substr(i + 3, 4), 16);
          if (lo >= 0xdc00 && lo < 0xe000) {
            out += String.fromCharCode(hi, lo);
            i += 6;
            break;
          }
        }
        out += hi >= 0xd800 && hi < 0xe000 ? '\ufffd' : String.fromCharCode(hi);
        break;
      }
      default: out += e; // " \ /
    }
  }
  return out;
}

/**
 * A JSON number's text as an exact non-negative integer (BigInt), decided on
 * the decimal text: 4096, 4096.0, 4.096e3 and -0 are integers, 4096.5 is not.
 * Returns { value } or { error: 'Negative' | 'NotInteger' | 'TooLarge' }.
 */
export function jsonNumberToU64(text) {
  let body = text;
  const negative = body.startsWith('-');
  if (negative) body = body.slice(1);
  if (body.length > 0 && !DIGIT(body.charCodeAt(0))) return { error: 'NotInteger' };
  const e = body.search(/[eE]/);
  const mantissa = e < 0 ? body : body.slice(0, e);
  const exp = e < 0 ? 0n : parseExponent(body.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const intPart = dot < 0 ? mantissa : mantissa.slice(0, dot);
  const fracPart = dot < 0 ? '' : mantissa.slice(dot + 1);
  const digits = intPart + fracPart;
  let lead = 0;
  while (lead < digits.length && digits[lead] === '0') lead++;
  if (lead === digits.length) return { value: 0n };
  if (negative) return { error: 'Negative' };
  const point = BigInt(intPart.length) + exp - BigInt(lead);
  const sig = digits.length - lead;
  if (point <= 0n) return { error: 'NotInteger' };
  const whole = point < BigInt(sig) ? Number(point) : sig;
  if (/[1-9]/.test(digits.slice(lead + whole))) return { error: 'NotInteger' };
  let value = BigInt(digits.slice(lead, lead + whole));
  if (value > U64_MAX) return { error: 'TooLarge' };
  const zeros = point - BigInt(sig);
  if (zeros > 0n) {
    if (zeros > 20n) return { error: 'TooLarge' };
    value *= 10n ** zeros;
    if (value > U64_MAX) return { error: 'TooLarge' };
  }
  return { value };
}

/** `[+-]digits` as a BigInt, saturating at ±(2^63-1)/2 like the Rust reader. */
function parseExponent(t) {
  const cap = (1n << 62n) - 1n;
  let neg = false;
  if (t.startsWith('-')) { neg = true; t = t.slice(1); } else if (t.startsWith('+')) t = t.slice(1);
  let v = 0n;
  for (const ch of t) {
    v = v * 10n + BigInt(ch.charCodeAt(0) - 48);
    if (v > cap) v = cap;
  }
  return neg ? -v : v;
}

/** A u64 as a Number when it is a safe integer, else as a BigInt. */
const num = (v) => (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);

const FIELDS = ['dtype', 'shape', 'endianness', 'order', 'resolution', 'vmin', 'vmax'];

function expectToken(r, field, type, expected) {
  const pos = r.pos;
  const item = r.next();
  if (item === null) throw E.syntax(pos, 'a value');
  if (item.type !== type) throw E.wrongType(field, item.offset, expected);
  return item;
}

function readShape(r) {
  const bad = (offset, reason) => E.badShape(offset, reason);
  const first = r.next();
  if (first === null) throw bad(r.pos, 'missing value');
  if (first.type !== 'BeginArray') throw bad(first.offset, 'must be a list of two integers [H, W]');
  const dims = [];
  for (;;) {
    const item = r.next();
    if (item === null) throw bad(r.pos, 'unterminated list');
    if (item.type === 'EndArray') break;
    if (item.type !== 'Number') throw bad(item.offset, 'a dimension is not a number');
    const v = jsonNumberToU64(item.text);
    if (v.error === 'Negative') throw bad(item.offset, 'a dimension is negative');
    if (v.error === 'NotInteger') throw bad(item.offset, 'a dimension is not an integer');
    if (v.error === 'TooLarge') throw bad(item.offset, 'a dimension is larger than 2^64-1');
    if (dims.length >= 2) throw bad(item.offset, 'more than two dimensions');
    dims.push(v.value);
  }
  if (dims.length !== 2) throw bad(first.offset, 'must have exactly two dimensions [H, W]');
  return dims;
}

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
  const bad = utf8InvalidAt(json, 0, json.length);
  if (bad >= 0) throw E.notUtf8(bad);
  // Empty or whitespace only: said plainly (as the Rust decoder does).
  if (json.every((b) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d)) {
    throw E.syntax(json.length, "'{' (the header is empty)");
  }
  const r = new Reader(json, maxDepth);
  const open = r.next();
  if (open.type !== 'BeginObject') throw E.syntax(open.offset, "'{' (the header must be a JSON object)");

  const seen = new Set();
  let dtype = null, shape = null, endianness = 'LE', order = 'C', resolution = null;
  let vmin = 0.0, vmax = 1.0;
  for (;;) {
    const item = r.next();
    if (item === null) throw E.syntax(r.pos, "a key or '}'");
    if (item.type === 'EndObject') break;
    if (item.type !== 'Key') throw E.syntax(item.offset, 'a key');
    const key = decodeString(item.raw);
    if (!FIELDS.includes(key)) {
      r.skipValue();
      continue;
    }
    if (seen.has(key)) throw E.duplicate(key, item.offset);
    seen.add(key);
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
  }
  r.finish();
  if (dtype === null) throw E.missing('dtype');
  if (shape === null) throw E.missing('shape');
  const size = dtype === 'uint8' ? 1n : 2n;
  const blobLen = shape[0] * shape[1] * size;
  if (blobLen > U64_MAX) throw E.sizeOverflow('shape');
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
          if (u8.length < prefix.blobOffset) return;
          const h = vcbnHeader(u8, prefix, maxDepth);
          pending = { kind: 'vcbn', h, frameLen: h.frameLen };
          prefix = null;
        } else {
          throw E.badMagic(u8.subarray(0, 4), EXPECTED_ANY);
        }
        // A frame of 2^53 bytes or more cannot be held in memory.
        if (typeof pending.frameLen !== 'number') throw E.sizeOverflow('shape');
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

// ------------------------------------------------------------------ for imgpack.js
// The pieces imgpack.js shares with the VCBN decoder (one JSON reader, one
// set of error messages). Not part of the API.

export const _internal = Object.freeze({
  E, FramewireError, shifted, bytesOf, dataView, typedAt, utf8InvalidAt, utf8, Reader, decodeString,
  jsonNumberToU64, expectToken, readShape, num, U64_MAX, DEFAULT_MAX_DEPTH, DEFAULT_MAX_HEADER_LEN,
});
