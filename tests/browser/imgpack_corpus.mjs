// Hand-made messages in imgpack's latest layout (docs/FORMATS.md §8), for
// the agreement tests of framewire.js with the Rust decoder, beyond the
// files imgpack's own Python wrote (tests/interop/imgpack/):
//
// - good: what a liberal decoder must accept: every dtype and byte order,
//   packed at every `bits` from 1 to 32, keys in any order, unknown keys,
//   whitespace, absent optional keys, `null`s where they are allowed,
//   non-finite floats, empty shapes, ...
// - bad: one message per way of being wrong (truncation, trailing bytes,
//   header limits, UTF-8, JSON, each key's type and range, sizes).
//
// Deterministic: the same bytes on every run.

const enc = new TextEncoder();

function concat(...parts) {
  const bytes = parts.map((p) => (typeof p === 'string' ? enc.encode(p) : p instanceof Uint8Array ? p : Uint8Array.from(p)));
  const out = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
  let o = 0;
  for (const b of bytes) { out.set(b, o); o += b.length; }
  return out;
}

const ELEM = { packed: 1, uint8: 1, uint16: 2, float16: 2, uint32: 4, float32: 4, float64: 8 };

/**
 * One message: HEADER_LEN (big-endian, `headerLen` if given) | json | pad |
 * blob. The pad aligns the blob to `elem` bytes (by default the element
 * size of the dtype named in the JSON), filled with `padByte`; `pad: n`
 * forces n pad bytes.
 */
export function imgpack(json, blob = new Uint8Array(0), { headerLen, pad, padByte = 0, elem } = {}) {
  const j = typeof json === 'string' ? enc.encode(json) : json;
  const len = headerLen ?? j.length;
  const dtype = /"dtype"\s*:\s*"([a-z0-9]+)"/.exec(typeof json === 'string' ? json : '')?.[1];
  const e = elem ?? ELEM[dtype] ?? 1;
  const n = pad ?? (e - ((4 + j.length) % e)) % e;
  const prefix = new Uint8Array(4);
  new DataView(prefix.buffer).setUint32(0, len, false);
  return concat(prefix, j, new Uint8Array(n).fill(padByte), blob);
}

/** Levels as one LSB-first bit stream, bit by bit (the reference packer). */
export function packBits(levels, bits) {
  const out = new Uint8Array(Math.ceil((levels.length * bits) / 8));
  let k = 0;
  for (const q of levels) {
    for (let j = 0; j < bits; j++, k++) {
      if (Math.floor(q / 2 ** j) % 2) out[k >> 3] |= 1 << (k & 7);
    }
  }
  return out;
}

/** Levels read back bit by bit: level i is bits i*bits .. i*bits+bits-1 of the stream. */
export function unpackBitsReference(bytes, bits, count) {
  const out = [];
  for (let i = 0; i < count; i++) {
    let v = 0;
    for (let j = 0; j < bits; j++) {
      const k = i * bits + j;
      v += ((bytes[Math.floor(k / 8)] >> (k % 8)) & 1) * 2 ** j;
    }
    out.push(v);
  }
  return out;
}

function words(values, size, setter, little) {
  const out = new Uint8Array(values.length * size);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => dv[setter](i * size, v, little));
  return out;
}
const u16 = (v, little = true) => words(v, 2, 'setUint16', little);
const u32 = (v, little = true) => words(v, 4, 'setUint32', little);
const f32 = (v, little = true) => words(v, 4, 'setFloat32', little);
const f64 = (v, little = true) => words(v, 8, 'setFloat64', little);

/** A deterministic pseudo-random generator (32-bit LCG). */
export function lcg(seed) {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s; };
}

/** The JSON imgpack writes, with `extra` overriding or adding keys (as JSON text). */
function canonical(dtype, shape, bits, { endianness = dtype === 'packed' ? 'null' : '"LE"', vmin = '0.0', vmax = '1.0' } = {}) {
  const b = bits === null ? 'null' : String(bits);
  const res = bits === null ? 'null' : String(2 ** bits);
  return `{"format":"imgpack","version":1,"dtype":"${dtype}","endianness":${endianness},"shape":[${shape}],` +
    `"order":"C","size":0.0,"bits":${b},"resolution":${res},"vmin":${vmin},"vmax":${vmax}}`;
}

// float16 bit patterns: 0, -0, 1, -2, 65504, the smallest subnormal, inf, -inf, NaN, 0.333
const F16 = [0x0000, 0x8000, 0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0xfc00, 0x7e00, 0x3555];
const FLOATS = [0, -0, 1.5, -2.25, 1e-40, 3.4028234663852886e38, Infinity, -Infinity, NaN, 0.1];

export function good() {
  const rnd = lcg(7);
  const cases = {};
  // packed at every bits, 3x5 random levels plus the top level.
  for (let bits = 1; bits <= 32; bits++) {
    const top = 2 ** bits - 1;
    const levels = Array.from({ length: 15 }, (_, i) => (i === 0 ? top : i === 1 ? 0 : rnd() % (top + 1)));
    cases[`packed_${bits}`] = imgpack(canonical('packed', '3,5', bits), packBits(levels, bits));
  }
  const levels6 = [0, 1, 7, 100, 200, 255];
  Object.assign(cases, {
    uint8_8: imgpack(canonical('uint8', '2,3', 8), Uint8Array.from(levels6)),
    uint8_3_null_endianness: imgpack(canonical('uint8', '1,3', 3, { endianness: 'null' }), Uint8Array.from([0, 5, 7])),
    uint8_be: imgpack(canonical('uint8', '1,2', 8, { endianness: '"BE"' }), Uint8Array.from([1, 2])),
    uint16_12_le: imgpack(canonical('uint16', '2,3', 12), u16([0, 1, 4095, 2048, 4096, 7])),
    uint16_16_be: imgpack(canonical('uint16', '2,3', 16, { endianness: '"BE"' }), u16([0, 1, 65535, 2048, 256, 7], false)),
    uint32_24_le: imgpack(canonical('uint32', '1,4', 24), u32([0, 16777215, 1, 0x123456])),
    uint32_32_be: imgpack(canonical('uint32', '1,4', 32, { endianness: '"BE"' }), u32([0, 4294967295, 0x80000000, 0x7fffffff], false)),
    uint32_31_level_2_31: imgpack(canonical('uint32', '1,2', 31), u32([2 ** 31, 2 ** 31 - 1])),
    float16_le: imgpack(canonical('float16', '2,5', null), u16(F16)),
    float16_be: imgpack(canonical('float16', '2,5', null, { endianness: '"BE"' }), u16(F16, false)),
    float32_le: imgpack(canonical('float32', '2,5', null), f32(FLOATS)),
    float32_be: imgpack(canonical('float32', '5,2', null, { endianness: '"BE"' }), f32(FLOATS, false)),
    float64_le: imgpack(canonical('float64', '1,10', null), f64(FLOATS)),
    float64_be: imgpack(canonical('float64', '10,1', null, { endianness: '"BE"' }), f64(FLOATS, false)),
    float32_bits_integer: imgpack('{"dtype":"float32","shape":[1,1],"bits":12}', f32([2.5])),
    float64_no_bits: imgpack('{"dtype":"float64","shape":[1,2]}', f64([1, -1])),
    minimal_packed: imgpack('{"dtype":"packed","shape":[1,3],"bits":4}', packBits([1, 15, 8], 4)),
    minimal_uint16_defaults_le: imgpack('{"shape":[1,2],"bits":9,"dtype":"uint16"}', u16([511, 3])),
    packed_endianness_le_string: imgpack('{"dtype":"packed","endianness":"LE","shape":[1,2],"bits":12}', packBits([4095, 1], 12)),
    reordered_whitespace_unknown: imgpack(
      '{ "vmax" : 2.5 ,\t"meta": {"note": "caf\\u00e9 \\ud83d\\ude00", "list": [1, [2, {"x": null}], true]},\r\n' +
      '  "shape" : [ 2 , 3 ] , "x": 1, "x": 2, "bits" : 10, "dtype":"uint16", "vmin": -0.5 }\n ',
      u16([0, 1, 1023, 512, 1024, 7]), { elem: 2 }),
    number_forms: imgpack('{"dtype":"uint16","shape":[2.0,3e0],"bits":1.2e1,"version":1.0,"resolution":4.096e3,"size":1E-5,"vmin":-0,"vmax":1E1}',
      u16([0, 1, 2, 3, 4, 5])),
    python_nan_inf: imgpack(canonical('uint8', '1,4', 8, { vmin: 'NaN', vmax: 'NaN' }), Uint8Array.from([0, 0, 0, 0])),
    python_infinities: imgpack(canonical('float32', '1,2', null, { vmin: '-Infinity', vmax: 'Infinity' }), f32([1, 2])),
    version_7: imgpack('{"format":"imgpack","version":7,"dtype":"uint8","shape":[1,1],"bits":8}', Uint8Array.from([9])),
    order_f: imgpack('{"dtype":"uint16","shape":[3,2],"order":"F","bits":16}', u16([1, 2, 3, 4, 5, 6])),
    escaped_dtype: imgpack('{"dtype":"uint\\u0038","shape":[1,1],"bits":8}', Uint8Array.from([9])),
    escaped_keys_and_format: imgpack('{"f\\u006frmat":"imgp\\u0061ck","dt\\u0079pe":"uint8","\\u0073hape":[1,2],"bits":8}', Uint8Array.from([5, 6])),
    resolution_null_size_negative: imgpack('{"dtype":"uint8","shape":[1,1],"bits":2,"resolution":null,"size":-3}', Uint8Array.from([3])),
    nonzero_pad: imgpack('{"dtype":"float64","shape":[1,1]}', f64([Math.PI]), { padByte: 0xab }),
    zero_rows: imgpack('{"dtype":"uint32","shape":[0,5],"bits":20}'),
    zero_rows_huge_cols: imgpack('{"dtype":"float64","shape":[0,18446744073709551615]}'),
    packed_zero_by_zero: imgpack('{"dtype":"packed","shape":[0,0],"bits":32}'),
    utf8_unknown_values: imgpack('{"dtype":"uint8","shape":[1,2],"bits":8,"名前":"グラフ 😀"}', Uint8Array.from([1, 2])),
    depth_32: imgpack(`{"dtype":"uint8","shape":[1,1],"bits":8,"deep":${'['.repeat(31)}${']'.repeat(31)}}`, Uint8Array.from([3])),
    vmin_above_vmax: imgpack('{"dtype":"uint16","shape":[1,2],"bits":16,"vmin":5.0,"vmax":-5.0}', u16([0, 65535])),
    huge_vmax_literal: imgpack('{"dtype":"uint8","shape":[1,1],"bits":8,"vmin":-1e400,"vmax":1e400}', Uint8Array.from([1])),
  });
  // A packed stream long enough for every alignment of 27..32-bit levels.
  for (const bits of [25, 27, 31, 32]) {
    const top = 2 ** bits - 1;
    const lv = Array.from({ length: 64 }, (_, i) => (i % 3 === 0 ? top - i : (rnd() * 2 ** 20 + rnd()) % (top + 1)));
    cases[`packed_${bits}_long`] = imgpack(canonical('packed', '8,8', bits), packBits(lv, bits));
  }
  return cases;
}

export function bad() {
  const one = Uint8Array.from([1]);
  const h = (json, blob = one, opts) => imgpack(json, blob, opts);
  return {
    three_bytes: Uint8Array.from([0, 0, 0]),
    four_bytes: Uint8Array.from([0, 0, 0, 2]),
    not_brace: concat([0, 0, 0, 2], '[]'),
    leading_space: concat([0, 0, 0, 3], ' {}'),
    header_too_long: imgpack('{}', new Uint8Array(0), { headerLen: 65537 }),
    header_len_past_end: imgpack('{"dtype":"uint8","shape":[1,1],"bits":8}', new Uint8Array(0), { headerLen: 100, pad: 0 }),
    not_utf8: h(concat('{"dtype":"uint8","shape":[1,1],"bits":8,"x":"', [0xff], '"}')),
    not_utf8_cut: h(concat('{"dtype":"uint8","shape":[1,1],"bits":8,"x":1}', [0xe2, 0x82])),
    json_unclosed: h('{"dtype":"uint8","shape":[1,1],"bits":8'),
    json_trailing_comma: h('{"dtype":"uint8","shape":[1,1],"bits":8,}'),
    json_text_after: h('{"dtype":"uint8","shape":[1,1],"bits":8} x'),
    json_bad_literal: h('{"dtype":"uint8","shape":[1,1],"bits":tru}'),
    json_depth_33: h(`{"dtype":"uint8","shape":[1,1],"bits":8,"deep":${'['.repeat(32)}${']'.repeat(32)}}`),
    json_number_513: h(`{"dtype":"uint8","shape":[1,1],"bits":8,"vmax":1${'0'.repeat(512)}}`),
    duplicate_bits: h('{"dtype":"uint8","shape":[1,1],"bits":8,"bits":8}'),
    duplicate_format_escaped: h('{"format":"imgpack","dtype":"uint8","shape":[1,1],"bits":8,"\\u0066ormat":"imgpack"}'),
    missing_dtype: h('{"shape":[1,1],"bits":8}'),
    missing_shape: h('{"dtype":"uint8","bits":8}'),
    missing_both: h('{}'),
    missing_bits_packed: h('{"dtype":"packed","shape":[1,1]}'),
    missing_bits_uint8: h('{"dtype":"uint8","shape":[1,1]}'),
    bits_null_uint16: h('{"dtype":"uint16","shape":[1,1],"bits":null}', u16([1])),
    bits_0: h('{"dtype":"packed","shape":[1,1],"bits":0}'),
    bits_9_uint8: h('{"dtype":"uint8","shape":[1,1],"bits":9}'),
    bits_17_uint16: h('{"dtype":"uint16","shape":[1,1],"bits":17}', u16([1])),
    bits_33_packed: h('{"dtype":"packed","shape":[1,1],"bits":33}', new Uint8Array(5)),
    bits_33_uint32: h('{"dtype":"uint32","shape":[1,1],"bits":33}', u32([1])),
    bits_2_32: h('{"dtype":"packed","shape":[1,1],"bits":4294967296}'),
    bits_2_64: h('{"dtype":"packed","shape":[1,1],"bits":18446744073709551616}'),
    bits_negative: h('{"dtype":"packed","shape":[1,1],"bits":-1}'),
    bits_fraction: h('{"dtype":"packed","shape":[1,1],"bits":1.5}'),
    bits_string: h('{"dtype":"packed","shape":[1,1],"bits":"8"}'),
    bits_nan: h('{"dtype":"packed","shape":[1,1],"bits":NaN}'),
    dtype_unknown: h('{"dtype":"int8","shape":[1,1],"bits":8}'),
    dtype_number: h('{"dtype":8,"shape":[1,1],"bits":8}'),
    dtype_null: h('{"dtype":null,"shape":[1,1],"bits":8}'),
    format_vcbn: h('{"format":"vcbin","dtype":"uint8","shape":[1,1],"bits":8}'),
    format_number: h('{"format":1,"dtype":"uint8","shape":[1,1],"bits":8}'),
    version_0: h('{"version":0,"dtype":"uint8","shape":[1,1],"bits":8}'),
    version_fraction: h('{"version":1.5,"dtype":"uint8","shape":[1,1],"bits":8}'),
    version_string: h('{"version":"1","dtype":"uint8","shape":[1,1],"bits":8}'),
    endianness_bad: h('{"dtype":"uint16","shape":[1,1],"bits":8,"endianness":"XE"}', u16([1])),
    endianness_lowercase: h('{"dtype":"uint16","shape":[1,1],"bits":8,"endianness":"le"}', u16([1])),
    endianness_number: h('{"dtype":"uint16","shape":[1,1],"bits":8,"endianness":1}', u16([1])),
    endianness_null_uint16: h('{"dtype":"uint16","shape":[1,1],"bits":8,"endianness":null}', u16([1])),
    endianness_null_float32: h('{"dtype":"float32","shape":[1,1],"endianness":null}', f32([1])),
    order_bad: h('{"dtype":"uint8","shape":[1,1],"bits":8,"order":"Z"}'),
    size_string: h('{"dtype":"uint8","shape":[1,1],"bits":8,"size":"1"}'),
    resolution_negative: h('{"dtype":"uint8","shape":[1,1],"bits":8,"resolution":-1}'),
    resolution_string: h('{"dtype":"uint8","shape":[1,1],"bits":8,"resolution":"256"}'),
    resolution_2_64: h('{"dtype":"uint8","shape":[1,1],"bits":8,"resolution":18446744073709551616}'),
    vmin_null: h('{"dtype":"uint8","shape":[1,1],"bits":8,"vmin":null}'),
    vmax_string: h('{"dtype":"uint8","shape":[1,1],"bits":8,"vmax":"1"}'),
    shape_three_dims: h('{"dtype":"uint8","shape":[1,1,1],"bits":8}'),
    shape_negative: h('{"dtype":"uint8","shape":[-1,1],"bits":8}'),
    shape_string: h('{"dtype":"uint8","shape":"1x1","bits":8}'),
    size_overflow_elements: h('{"dtype":"uint8","shape":[4294967296,4294967296],"bits":8}'),
    size_overflow_float64: h('{"dtype":"float64","shape":[4294967296,536870912]}'),
    size_overflow_packed_bits: h('{"dtype":"packed","shape":[4611686018427387904,1],"bits":8}'),
    size_overflow_message: h('{"dtype":"uint8","shape":[18446744073709551615,1],"bits":8}'),
    huge_blob_claimed: h('{"dtype":"float32","shape":[65536,65536]}', new Uint8Array(8)),
    blob_short: h('{"dtype":"uint16","shape":[2,3],"bits":16}', u16([1, 2, 3, 4, 5])),
    blob_long: h('{"dtype":"uint8","shape":[2,3],"bits":8}', new Uint8Array(7)),
    packed_short: h('{"dtype":"packed","shape":[3,5],"bits":12}', new Uint8Array(22)),
    packed_long: h('{"dtype":"packed","shape":[3,5],"bits":12}', new Uint8Array(24)),
    packed_32_short: h('{"dtype":"packed","shape":[1,2],"bits":32}', new Uint8Array(7)),
    float64_pad_missing: imgpack('{"dtype":"float64","shape":[1,1]}', f64([1]), { pad: 0 }),
    empty_json_object_only: imgpack('{', new Uint8Array(0)),
  };
}
