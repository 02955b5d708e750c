// common.js — what framewire.js, json.js and imgpack.js share: the decoder
// limits, the error type and its messages (the Rust decoder's `Display`
// texts), and typed views of the input bytes. Internal to framewire.js:
// its public names are re-exported there.

/** Default limit on the VCBN HEADER_LEN (64 KiB), as in the Rust decoder. */
export const DEFAULT_MAX_HEADER_LEN = 64 * 1024;
/** Default nesting limit of the header JSON. */
export const DEFAULT_MAX_DEPTH = 32;
/** Largest nesting limit accepted; larger requests are clamped to it. */
export const MAX_DEPTH_CAP = 256;
/** Longest JSON number token accepted, in bytes. */
export const MAX_NUMBER_LEN = 512;

export const U64_MAX = (1n << 64n) - 1n;
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

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

export const E = {
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
export function shifted(err, by) {
  if (!(err instanceof FramewireError) || err.offset === undefined) return err;
  const moved = err.offset + by;
  const message = err.message.replace(/at offset (\d+)/, `at offset ${moved}`);
  return new FramewireError(err.code, message, moved);
}

/** Four magic bytes, printable: ASCII as is, anything else as \xNN. */
export function printable(bytes) {
  let s = '';
  for (const b of bytes) {
    s += b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return s;
}

// ------------------------------------------------------------------ input

/** Any ArrayBuffer or view as a Uint8Array over the same memory. */
export function bytesOf(input) {
  if (input instanceof Uint8Array && input.constructor === Uint8Array) return input;
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  if (input instanceof ArrayBuffer ||
      (typeof SharedArrayBuffer !== 'undefined' && input instanceof SharedArrayBuffer)) {
    return new Uint8Array(input);
  }
  throw new TypeError('framewire: expected an ArrayBuffer or an ArrayBuffer view (Uint8Array, DataView, ...)');
}

export function magicOf(u8) {
  return String.fromCharCode(u8[0], u8[1], u8[2], u8[3]);
}

export function dataView(u8) {
  return new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
}

/** An Int16Array of `n` little-endian values at `off`: a view when aligned, else a copy. */
export function int16At(u8, off, n) {
  const abs = u8.byteOffset + off;
  if (LITTLE_ENDIAN && abs % 2 === 0) return new Int16Array(u8.buffer, abs, n);
  const dv = dataView(u8);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = dv.getInt16(off + 2 * i, true);
  return out;
}

/** A Uint16Array of `n` values at `off` in the given byte order: a view when possible, else a copy. */
export function uint16At(u8, off, n, little) {
  const abs = u8.byteOffset + off;
  if (little === LITTLE_ENDIAN && abs % 2 === 0) return new Uint16Array(u8.buffer, abs, n);
  const dv = dataView(u8);
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++) out[i] = dv.getUint16(off + 2 * i, little);
  return out;
}

/** `n` values of a typed array type `T` at `off` in the given byte order: a view when possible, else a copy. */
export function typedAt(u8, off, n, T, little) {
  const size = T.BYTES_PER_ELEMENT;
  const abs = u8.byteOffset + off;
  if (little === LITTLE_ENDIAN && abs % size === 0) return new T(u8.buffer, abs, n);
  // A copy of the bytes in the host's order, viewed as T: bit for bit. (A
  // float read through DataView passes through a Number, which may quiet a
  // signalling NaN.)
  const bytes = u8.slice(off, off + size * n);
  if (little !== LITTLE_ENDIAN) {
    for (let i = 0; i < bytes.length; i += size) {
      for (let a = i, b = i + size - 1; a < b; a++, b--) {
        const t = bytes[a];
        bytes[a] = bytes[b];
        bytes[b] = t;
      }
    }
  }
  return new T(bytes.buffer, 0, n);
}
