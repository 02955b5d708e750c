// Hand-made frames for the decoder agreement tests, beyond the golden
// vectors (which are all canonical):
//
// - good: envelopes a liberal decoder must accept (docs/FORMATS.md §3.6):
//   big-endian blobs, keys in any order, unknown keys, whitespace, numbers
//   in every JSON form, Python's NaN/Infinity, aliases, versions > 1, ...
// - bad: one input per way of being wrong (truncation, trailing bytes, bad
//   magic, version 0, header limits, UTF-8, JSON syntax, nesting, types,
//   shapes, sizes, ...).
//
// Deterministic: the same bytes on every run. `node corpus.mjs DIR` writes
// them as DIR/good/*.bin and DIR/bad/*.bin.

import fs from 'node:fs';
import path from 'node:path';

const enc = new TextEncoder();

function concat(...parts) {
  const bytes = parts.map((p) => (typeof p === 'string' ? enc.encode(p) : p instanceof Uint8Array ? p : Uint8Array.from(p)));
  const out = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
  let o = 0;
  for (const b of bytes) { out.set(b, o); o += b.length; }
  return out;
}

function u32be(n) { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n, false); return b; }
function u32le(n) { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n, true); return b; }

/** A VCBN envelope around `json` (string or bytes) and `blob`. */
export function vcbn(json, blob = new Uint8Array(0), { magic = 'VCBN', version = 1, headerLen, padByte = 0, pad } = {}) {
  const j = typeof json === 'string' ? enc.encode(json) : json;
  const len = headerLen ?? j.length;
  const usePad = pad ?? ((9 + j.length) % 2 === 1);
  return concat(magic, [version], u32be(len), j, usePad ? [padByte] : [], blob);
}

/** A SAC v1 file; `a`, `b` are int16 values. */
export function sac(a, b, width, height, { magic = 'SAC1', flags = 0, dtype = 1, count = 2, reserved = 0, lengthA, lengthB } = {}) {
  const payload = new Uint8Array(2 * (a.length + b.length));
  const dv = new DataView(payload.buffer);
  [...a, ...b].forEach((v, i) => dv.setInt16(2 * i, v, true));
  return concat(magic, [flags, dtype, count, reserved], u32le(lengthA ?? a.length), u32le(lengthB ?? b.length),
    u32le(width), u32le(height), payload);
}

function u16(values, little = true) {
  const out = new Uint8Array(values.length * 2);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => dv.setUint16(2 * i, v, little));
  return out;
}

/** `json`, with a trailing space if needed to make its length even. */
const evenJson = (json) => (enc.encode(json).length % 2 === 0 ? json : `${json} `);

const levels6 = [0, 1, 4096, 2048, 65535, 7];
const canonical = (dtype, shape, extra = '') =>
  `{"fmt":"vcbin","version":1,"dtype":"${dtype}","endianness":"LE","shape":[${shape}],"order":"C","size":0.0,"resolution":${dtype === 'uint8' ? 255 : 4096},"vmin":0.0,"vmax":1.0${extra}}`;

export function good() {
  return {
    be_u16: vcbn('{"dtype":"uint16","shape":[2,3],"endianness":"BE"}', u16(levels6, false)),
    le_u16_defaults: vcbn('{"shape":[3,2],"dtype":"uint16"}', u16(levels6)),
    reordered_whitespace_unknown: vcbn(
      ' \n{ "vmax" : 2.5 ,\t"meta": {"note": "caf\\u00e9 \\ud83d\\ude00 \\" \\\\ \\/", "list": [1, [2, {"x": null}], true, false]},\r\n' +
      '  "shape" : [ 2 , 3 ] , "x": 1, "x": 2, "dtype":"uint8", "vmin": -0.5 }\n ',
      Uint8Array.from([0, 1, 2, 253, 254, 255])),
    number_forms: vcbn('{"dtype":"uint16","shape":[2.0,3e0],"resolution":4.096e3,"vmin":-0,"vmax":1E1}', u16(levels6)),
    python_nan_inf: vcbn('{"dtype":"uint8","shape":[1,4],"vmin":NaN,"vmax":Infinity}', Uint8Array.from([0, 1, 2, 3])),
    python_neg_inf: vcbn('{"dtype":"uint16","shape":[1,2],"vmin":-Infinity,"vmax":0.0}', u16([0, 4096])),
    order_f: vcbn('{"dtype":"uint16","shape":[3,2],"order":"F"}', u16(levels6)),
    alias_impk_v7: vcbn(canonical('uint8', '2,2'), Uint8Array.from([9, 8, 7, 6]), { magic: 'IMPK', version: 7 }),
    alias_cbin_v255: vcbn(canonical('uint16', '1,3'), u16([1, 2, 3]), { magic: 'CBIN', version: 255 }),
    escaped_key: vcbn('{"dt\\u0079pe":"uint\\u0038","\\u0073hape":[1,2]}', Uint8Array.from([5, 6])),
    custom_resolution: vcbn('{"dtype":"uint16","shape":[1,3],"resolution":1000,"vmin":-1.0,"vmax":1.0}', u16([0, 500, 1000])),
    nonzero_pad: vcbn('{"dtype":"uint8","shape":[1,1]}', Uint8Array.from([42]), { padByte: 0xab }),
    zero_rows_huge_cols: vcbn('{"dtype":"uint16","shape":[0,18446744073709551615]}'),
    zero_by_zero: vcbn('{"dtype":"uint8","shape":[0,0]}'),
    utf8_unknown_values: vcbn('{"dtype":"uint8","shape":[1,2],"名前":"グラフ 😀","ß":["é"]}', Uint8Array.from([1, 2])),
    depth_32: vcbn(`{"dtype":"uint8","shape":[1,1],"deep":${'['.repeat(31)}${']'.repeat(31)}}`, Uint8Array.from([3])),
    long_number_512: vcbn(`{"dtype":"uint8","shape":[1,1],"vmax":1.${'0'.repeat(510)}}`, Uint8Array.from([3])),
    vmin_above_vmax: vcbn('{"dtype":"uint16","shape":[1,2],"vmin":5.0,"vmax":-5.0}', u16([0, 4096])),
    exponent_shape: vcbn('{"dtype":"uint8","shape":[1.0e0,40e-1]}', Uint8Array.from([1, 2, 3, 4])),
    huge_vmax_literal: vcbn('{"dtype":"uint8","shape":[1,1],"vmin":-1e400,"vmax":1e400}', Uint8Array.from([1])),
    sac_flags_reserved: sac([1, -2, 3], [-4, 5, -6], 3, 1, { flags: 0xff, reserved: 0x7f }),
    sac_height_only: sac([1, 2], [3, 4, 5], 0, 5),
    sac_extremes: sac([-32768, 32767, 0, -1], [32767, -32768, 1, 0], 2, 2),
    sac_empty: sac([], [], 0, 0),
  };
}

export function bad() {
  const big = 0xffffffff;
  return {
    empty: new Uint8Array(0),
    three_bytes: enc.encode('VCB'),
    bad_magic: enc.encode('XXXX\x01\x00\x00\x00\x02{}'),
    bad_magic_binary: Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]),
    lowercase_magic: vcbn('{"dtype":"uint8","shape":[1,1]}', Uint8Array.from([1]), { magic: 'vcbn' }),
    sac_short_header: enc.encode('SAC1\x00\x01\x02\x00'),
    sac_dtype_2: sac([1], [2], 0, 0, { dtype: 2 }),
    sac_count_3: sac([1], [2], 0, 0, { count: 3 }),
    sac_shape_mismatch: sac([1, 2, 3], [4, 5, 6], 2, 2),
    sac_shape_mismatch_b: sac([1, 2, 3, 4], [4, 5, 6], 2, 2),
    sac_area_2_64: sac([1], [2], big, big),
    sac_truncated: sac([1, 2, 3], [4, 5, 6], 3, 1).subarray(0, 33),
    sac_trailing: concat(sac([1, 2, 3], [4, 5, 6], 3, 1), [0]),
    sac_huge_lengths: sac([], [], 0, 0, { lengthA: big, lengthB: big }),
    vcbn_short_prefix: enc.encode('VCBN\x01\x00'),
    version_0: vcbn('{"dtype":"uint8","shape":[1,1]}', Uint8Array.from([1]), { version: 0 }),
    header_too_long: vcbn('{}', new Uint8Array(0), { headerLen: 65537 }),
    header_len_past_end: vcbn('{"dtype":"uint8","shape":[1,1]}', new Uint8Array(0), { headerLen: 100, pad: false }),
    not_utf8_ff: vcbn(concat('{"dtype":"uint8","shape":[1,1],"x":"', [0xff], '"}'), Uint8Array.from([1])),
    not_utf8_overlong: vcbn(concat('{"dtype":"uint8","x":"', [0xc0, 0x80], '","shape":[1,1]}'), Uint8Array.from([1])),
    not_utf8_surrogate: vcbn(concat('{"x":"', [0xed, 0xa0, 0x80], '","dtype":"uint8","shape":[1,1]}'), Uint8Array.from([1])),
    not_utf8_cut: vcbn(concat('{"dtype":"uint8","shape":[1,1],"x":1}', [0xe2, 0x82]), Uint8Array.from([1])),
    not_utf8_too_big: vcbn(concat('{"x":"', [0xf4, 0x90, 0x80, 0x80], '"}')),
    json_empty: vcbn(''),
    json_not_object: vcbn('[1,2]'),
    json_unclosed: vcbn('{"dtype":"uint8","shape":[1,1]', Uint8Array.from([1])),
    json_trailing_comma: vcbn('{"dtype":"uint8","shape":[1,1],}', Uint8Array.from([1])),
    json_single_quotes: vcbn("{'dtype':'uint8'}"),
    json_control_char: vcbn('{"dtype":"uint8","x":"a\tb","shape":[1,1]}', Uint8Array.from([1])),
    json_bad_escape: vcbn('{"x":"\\x41","dtype":"uint8","shape":[1,1]}', Uint8Array.from([1])),
    json_short_unicode: vcbn('{"x":"\\u12","dtype":"uint8","shape":[1,1]}', Uint8Array.from([1])),
    json_leading_zero: vcbn('{"dtype":"uint8","shape":[01,1]}', Uint8Array.from([1])),
    json_bare_dot: vcbn('{"dtype":"uint8","shape":[1.,1]}', Uint8Array.from([1])),
    json_bare_exponent: vcbn('{"dtype":"uint8","shape":[1,1],"vmin":1e}', Uint8Array.from([1])),
    json_lone_minus: vcbn('{"dtype":"uint8","shape":[1,1],"vmin":-}', Uint8Array.from([1])),
    json_plus_number: vcbn('{"dtype":"uint8","shape":[1,1],"vmin":+1}', Uint8Array.from([1])),
    json_lowercase_nan: vcbn('{"dtype":"uint8","shape":[1,1],"vmin":nan}', Uint8Array.from([1])),
    json_minus_nan: vcbn('{"dtype":"uint8","shape":[1,1],"vmin":-NaN}', Uint8Array.from([1])),
    json_bad_literal: vcbn('{"dtype":"uint8","shape":[1,1],"x":tru}', Uint8Array.from([1])),
    json_text_after: vcbn('{"dtype":"uint8","shape":[1,1]} x', Uint8Array.from([1])),
    json_two_objects: vcbn('{"dtype":"uint8","shape":[1,1]}{}', Uint8Array.from([1])),
    json_missing_colon: vcbn('{"dtype" "uint8"}'),
    json_key_not_string: vcbn('{dtype:"uint8"}'),
    json_unterminated_string: vcbn('{"dtype":"uint8'),
    json_depth_33: vcbn(`{"dtype":"uint8","shape":[1,1],"deep":${'['.repeat(32)}${']'.repeat(32)}}`, Uint8Array.from([1])),
    json_depth_100000: vcbn(`{"deep":${'['.repeat(60000)}`),
    json_number_513: vcbn(`{"dtype":"uint8","shape":[1,1],"vmax":1${'0'.repeat(512)}}`, Uint8Array.from([1])),
    duplicate_dtype: vcbn('{"dtype":"uint8","shape":[1,1],"dtype":"uint8"}', Uint8Array.from([1])),
    duplicate_shape_escaped: vcbn('{"dtype":"uint8","shape":[1,1],"\\u0073hape":[1,1]}', Uint8Array.from([1])),
    missing_dtype: vcbn('{"shape":[1,1]}', Uint8Array.from([1])),
    missing_shape: vcbn('{"dtype":"uint8"}'),
    missing_both: vcbn('{}'),
    dtype_number: vcbn('{"dtype":8,"shape":[1,1]}', Uint8Array.from([1])),
    dtype_float32: vcbn('{"dtype":"float32","shape":[1,1]}', new Uint8Array(4)),
    dtype_null: vcbn('{"dtype":null,"shape":[1,1]}', Uint8Array.from([1])),
    shape_not_list: vcbn('{"dtype":"uint8","shape":"1x1"}', Uint8Array.from([1])),
    shape_object: vcbn('{"dtype":"uint8","shape":{"h":1}}', Uint8Array.from([1])),
    shape_three_dims: vcbn('{"dtype":"uint8","shape":[1,1,1]}', Uint8Array.from([1])),
    shape_one_dim: vcbn('{"dtype":"uint8","shape":[1]}', Uint8Array.from([1])),
    shape_empty: vcbn('{"dtype":"uint8","shape":[]}'),
    shape_negative: vcbn('{"dtype":"uint8","shape":[-1,1]}'),
    shape_fraction: vcbn('{"dtype":"uint8","shape":[2.5,2]}', new Uint8Array(5)),
    shape_too_large: vcbn('{"dtype":"uint8","shape":[1e30,0]}'),
    shape_2_64: vcbn('{"dtype":"uint8","shape":[18446744073709551616,0]}'),
    shape_string_dim: vcbn('{"dtype":"uint8","shape":["1",1]}', Uint8Array.from([1])),
    shape_nan_dim: vcbn('{"dtype":"uint8","shape":[NaN,1]}', Uint8Array.from([1])),
    shape_unterminated: vcbn('{"dtype":"uint8","shape":[1,1'),
    size_overflow: vcbn('{"dtype":"uint16","shape":[4294967296,4294967296]}'),
    size_overflow_u8: vcbn('{"dtype":"uint8","shape":[18446744073709551615,2]}'),
    huge_blob_claimed: vcbn('{"dtype":"uint16","shape":[65536,65536]}', new Uint8Array(8)),
    endianness_bad: vcbn('{"dtype":"uint16","shape":[1,1],"endianness":"XX"}', u16([1])),
    endianness_number: vcbn('{"dtype":"uint16","shape":[1,1],"endianness":1}', u16([1])),
    order_bad: vcbn('{"dtype":"uint8","shape":[1,1],"order":"Z"}', Uint8Array.from([1])),
    resolution_0: vcbn('{"dtype":"uint8","shape":[1,1],"resolution":0}', Uint8Array.from([1])),
    resolution_70000: vcbn('{"dtype":"uint16","shape":[1,1],"resolution":70000}', u16([1])),
    resolution_fraction: vcbn('{"dtype":"uint8","shape":[1,1],"resolution":1.5}', Uint8Array.from([1])),
    resolution_string: vcbn('{"dtype":"uint8","shape":[1,1],"resolution":"255"}', Uint8Array.from([1])),
    vmin_string: vcbn('{"dtype":"uint8","shape":[1,1],"vmin":"0"}', Uint8Array.from([1])),
    vmax_null: vcbn('{"dtype":"uint8","shape":[1,1],"vmax":null}', Uint8Array.from([1])),
    vmax_list: vcbn('{"dtype":"uint8","shape":[1,1],"vmax":[1]}', Uint8Array.from([1])),
    blob_short: vcbn('{"dtype":"uint16","shape":[2,3]}', u16([1, 2, 3, 4, 5])),
    blob_long: vcbn('{"dtype":"uint8","shape":[2,3]}', new Uint8Array(7)),
    blob_odd_u16: vcbn('{"dtype":"uint16","shape":[1,1]}', Uint8Array.from([1])),
    // A header of even length needs a pad byte; here it is left out.
    pad_missing: vcbn(evenJson('{"dtype":"uint8","shape":[1,2]}'), Uint8Array.from([1, 2]), { pad: false }),
  };
}

export function writeCorpus(dir) {
  for (const [kind, cases] of [['good', good()], ['bad', bad()]]) {
    fs.mkdirSync(path.join(dir, kind), { recursive: true });
    for (const [name, bytes] of Object.entries(cases)) {
      fs.writeFileSync(path.join(dir, kind, `${name}.bin`), bytes);
    }
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  writeCorpus(process.argv[2] ?? 'corpus');
}
