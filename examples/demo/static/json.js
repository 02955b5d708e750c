// json.js — the header JSON reader framewire.js and imgpack.js share: UTF-8
// validation with Rust's offsets, a pull tokenizer with a nesting limit,
// JSON numbers as u64, and the header fields both layouts have (`shape`).
// Internal to framewire.js, which re-exports `jsonNumberToU64`.

import { E, U64_MAX, MAX_DEPTH_CAP, MAX_NUMBER_LEN } from './common.js';

// ------------------------------------------------------------------ UTF-8

/** Offset of the first byte that is not part of valid UTF-8 (Rust's `valid_up_to`), or -1. */
export function utf8InvalidAt(u8, start, end) {
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

export const utf8 = new TextDecoder('utf-8', { fatal: true });

// ------------------------------------------------------------------ JSON reader
// A port of the crate's `json::Reader`: an iterative pull tokenizer over the
// header bytes with a runtime nesting limit, byte offsets in every error, and
// Python's NaN / Infinity / -Infinity accepted as numbers.

export const WS = (b) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
export const DIGIT = (b) => b >= 0x30 && b <= 0x39;
export const HEX = (b) => DIGIT(b) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);

export const X_VALUE = 0, X_VALUE_OR_END = 1, X_KEY = 2, X_KEY_OR_END = 3, X_COLON = 4, X_COMMA_OR_END = 5, X_DONE = 6;

export class Reader {
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
export function decodeString(raw) {
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
export function parseExponent(t) {
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
export const num = (v) => (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);


export function expectToken(r, field, type, expected) {
  const pos = r.pos;
  const item = r.next();
  if (item === null) throw E.syntax(pos, 'a value');
  if (item.type !== type) throw E.wrongType(field, item.offset, expected);
  return item;
}

export function readShape(r) {
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
 * Reads a whole header: checks that the bytes are UTF-8 and not blank, then
 * reads one JSON object. Each member whose key is in `keys` goes to
 * `field(key, reader)` (which reads its value), once: a second one is a
 * DuplicateField. Other members are skipped. Nothing may follow the object.
 * Returns the set of keys that were read.
 * Offsets in errors are relative to the JSON's first byte. The VCBN and
 * imgpack header parsers differ only in `keys` and `field`.
 */
export function readHeaderObject(json, maxDepth, keys, field) {
  const bad = utf8InvalidAt(json, 0, json.length);
  if (bad >= 0) throw E.notUtf8(bad);
  // Empty or whitespace only: said plainly (as the Rust decoder does).
  if (json.every(WS)) throw E.syntax(json.length, "'{' (the header is empty)");
  const r = new Reader(json, maxDepth);
  const open = r.next();
  if (open.type !== 'BeginObject') throw E.syntax(open.offset, "'{' (the header must be a JSON object)");
  const seen = new Set();
  for (;;) {
    const item = r.next();
    if (item === null) throw E.syntax(r.pos, "a key or '}'");
    if (item.type === 'EndObject') break;
    if (item.type !== 'Key') throw E.syntax(item.offset, 'a key');
    const key = decodeString(item.raw);
    if (!keys.includes(key)) {
      r.skipValue();
      continue;
    }
    if (seen.has(key)) throw E.duplicate(key, item.offset);
    seen.add(key);
    field(key, r);
  }
  r.finish();
  return seen;
}
