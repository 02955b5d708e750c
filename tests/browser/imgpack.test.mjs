// framewire.js on imgpack's latest layout, in Node (page.test.mjs runs the
// same checks in Chromium):
//
// - every latest-layout file imgpack's own Python wrote
//   (tests/interop/imgpack/, manifest.json) decodes to exactly the array
//   imgpack's decoder returns, and the Rust decoder agrees;
// - a corpus of liberal-but-valid and bad messages (imgpack_corpus.mjs)
//   gets the Rust decoder's verdict, header, levels and values, and for bad
//   input its error message (the Rust side is the demo package's
//   `imgpack_truth` example);
// - packed levels at every bits from 1 to 32 against a bit-by-bit reference.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

import * as fw from '../../examples/demo/static/framewire.js';
import { bad as badCases, good as goodCases, imgpack, lcg, packBits, unpackBitsReference } from './imgpack_corpus.mjs';
import {
  compareImgpack, compareManifest, imgpackManifest, imgpackTruth, summarize, tempDir,
} from './lib.mjs';

const manifest = imgpackManifest();
const latest = manifest.filter((e) => e.variant === 'head');

test('the manifest lists every latest-layout file in tests/interop/imgpack', () => {
  const dir = path.dirname(latest[0].path);
  const onDisk = fs.readdirSync(dir).filter((f) => f.startsWith('head_')).sort();
  assert.deepEqual(latest.map((e) => e.file).sort(), onDisk);
  assert.equal(latest.length, 175);
  // Every dtype, and packed at 1, 3, 7, 8, 12, 16 and 24 bits.
  assert.deepEqual([...new Set(latest.map((e) => e.params.dtype))].sort(),
    ['float16', 'float32', 'float64', 'packed', 'uint16', 'uint32', 'uint8']);
});

test(`every latest-layout file decodes to exactly the manifest's array (${latest.length} files)`, () => {
  const failures = [];
  for (const e of latest) {
    const js = summarize(fw, fs.readFileSync(e.path));
    const diffs = compareManifest(js, e);
    if (diffs.length) failures.push(`${e.file}: ${diffs.join('; ')}`);
  }
  assert.deepEqual(failures, []);
});

test('the older CBIN and IMPK files are VCBN envelopes, not this layout', () => {
  for (const e of manifest.filter((m) => m.variant !== 'head')) {
    const f = fw.parseFrame(fs.readFileSync(e.path));
    assert.equal(f.format, 'vcbn', e.file);
    assert.deepEqual(Array.from(f.levels), e.values, e.file);
  }
});

// ------------------------------------------------------------------ JS and Rust

const dir = tempDir('fw-imgpack-');
const write = (kind, cases) => Object.entries(cases).map(([name, bytes]) => {
  const file = path.join(dir, `${kind}_${name}.bin`);
  fs.writeFileSync(file, bytes);
  return file;
});
const goodFiles = write('good', goodCases());
const badFiles = write('bad', badCases());

for (const [label, files, wantOk] of [
  ['latest-layout interop file', latest.map((e) => e.path), true],
  ['good imgpack message', goodFiles, true],
  ['bad imgpack message', badFiles, false],
]) {
  test(`JS and Rust agree on every ${label} (${files.length} files)`, () => {
    const truths = imgpackTruth(files);
    const failures = [];
    files.forEach((file, i) => {
      const truth = truths[i];
      const js = summarize(fw, fs.readFileSync(file));
      const diffs = compareImgpack(js, truth);
      if (truth.ok !== wantOk) diffs.unshift(`rust ${truth.ok ? 'accepted' : `rejected: ${truth.message}`}`);
      if (!js.ok && js.name !== 'FramewireError') diffs.unshift(`js threw a ${js.name}`);
      if (diffs.length) failures.push(`${path.basename(file)}: ${diffs.join('; ')}`);
    });
    assert.deepEqual(failures, []);
  });
}

test('the error messages say what is wrong and where (a sample, as the Rust decoder words them)', () => {
  const bad = badCases();
  const message = (name) => {
    try { fw.parseFrame(bad[name]); } catch (err) { return `${err.code}: ${err.message}`; }
    return 'accepted';
  };
  assert.equal(message('three_bytes'), 'Truncated: truncated input: the frame needs 4 bytes but the input ends after 3');
  assert.equal(message('blob_short'), `Truncated: truncated input: the frame needs ${bad.blob_short.length + 2} bytes but the input ends after ${bad.blob_short.length}`);
  assert.equal(message('packed_long'), `TrailingBytes: trailing bytes: the frame ends at offset ${bad.packed_long.length - 1} but the input has ${bad.packed_long.length} bytes`);
  assert.match(message('bits_9_uint8'), /^InvalidValue: invalid value for header key "bits" at offset \d+ \(expected an integer from 1 to 8 \(uint8\)\)$/);
  assert.match(message('bits_33_packed'), /expected an integer from 1 to 32 \(packed, uint32\)/);
  assert.match(message('bits_null_uint16'), /^WrongType: header key "bits" at offset \d+ must be an integer \(the dtype is n-bit\)$/);
  assert.equal(message('missing_bits_packed'), 'MissingField: header has no "bits" key, which is required');
  assert.match(message('endianness_null_uint16'), /expected "LE" or "BE" \(null only for packed and uint8\)/);
  assert.match(message('dtype_unknown'), /^InvalidValue: invalid value for header key "dtype" at offset 13 \(expected "packed", "uint8"/);
  assert.equal(message('size_overflow_packed_bits'), "SizeOverflow: size overflow: the byte size implied by shape does not fit in this target's address space");
  assert.equal(message('four_bytes'), 'BadMagic: bad magic "\\x00\\x00\\x00\\x02" at offset 0 (expected "SAC1", "VCBN", "IMPK" or "CBIN")');
});

test('unaligned and offset inputs decode the same (copies only when needed)', () => {
  for (const file of [...latest.map((e) => e.path), ...goodFiles]) {
    const bytes = fs.readFileSync(file);
    const aligned = new Uint8Array(bytes.length);
    aligned.set(bytes);
    const big = new Uint8Array(bytes.length + 3);
    big.set(bytes, 1);
    const a = summarize(fw, aligned);
    assert.deepEqual(summarize(fw, big.subarray(1, 1 + bytes.length)), a, path.basename(file));
    assert.deepEqual(summarize(fw, new DataView(big.buffer, 1, bytes.length)), a, path.basename(file));
  }
  // Zero-copy where the byte order and alignment allow.
  const buf = new Uint8Array(fs.readFileSync(latest.find((e) => e.file === 'head_ramp_float64_LE.bin').path));
  const f = fw.parseImgpack(buf);
  assert.equal(f.data.buffer, buf.buffer, 'aligned LE float64 values are a view');
  assert.equal(f.blobOffset % 8, 0);
  const be = fw.parseImgpack(new Uint8Array(fs.readFileSync(latest.find((e) => e.file === 'head_ramp_float64_BE.bin').path)));
  assert.notEqual(be.data.buffer, buf.buffer);
});

test('readFrames does not look for this layout in a byte stream (it has no magic)', async () => {
  const msg = fs.readFileSync(latest[0].path);
  await assert.rejects(async () => { for await (const _ of fw.readFrames([msg])) { /* nothing */ } },
    /^FramewireError: at stream offset 0: bad magic "\\x00\\x00\\x00\\x.." at offset 0/);
});

// ------------------------------------------------------------------ packed bits

test('packed levels at every bits from 1 to 32 match a bit-by-bit reference', () => {
  const rnd = lcg(2026);
  let checked = 0;
  for (let bits = 1; bits <= 32; bits++) {
    for (const count of [0, 1, 2, 3, 7, 8, 9, 31, 64, 257]) {
      const len = Math.ceil((count * bits) / 8);
      // Random bytes (the last one's spare bits too: they must be ignored),
      // all ones, and a one every 7th bit.
      for (const fill of ['random', 'ones', 'sparse']) {
        const bytes = new Uint8Array(len);
        for (let i = 0; i < len; i++) {
          bytes[i] = fill === 'random' ? rnd() >>> 24 : fill === 'ones' ? 0xff : 0;
        }
        if (fill === 'sparse') for (let k = 0; k < 8 * len; k += 7) bytes[k >> 3] |= 1 << (k & 7);
        const want = unpackBitsReference(bytes, bits, count);
        const got = fw.unpackBits(bytes, bits, count);
        assert.equal(got.constructor, bits <= 8 ? Uint8Array : bits <= 16 ? Uint16Array : Uint32Array);
        assert.deepEqual(Array.from(got), want, `bits ${bits}, ${count} levels, ${fill}`);
        if (fill === 'ones' && count > 0) assert.equal(got[count - 1], 2 ** bits - 1);
        // Through a whole message too.
        const msg = imgpack(`{"dtype":"packed","shape":[1,${count}],"bits":${bits}}`, bytes);
        assert.deepEqual(Array.from(fw.parseFrame(msg).levels), want, `message: bits ${bits}, ${count} levels`);
        checked++;
      }
    }
  }
  assert.equal(checked, 32 * 10 * 3);
  // And packing what is unpacked gives the bytes back (spare bits zero).
  for (let bits = 1; bits <= 32; bits++) {
    const levels = Array.from({ length: 50 }, (_, i) => (i % 2 ? 2 ** bits - 1 : (rnd() * 4096 + rnd()) % 2 ** bits));
    const bytes = packBits(levels, bits);
    assert.deepEqual(Array.from(fw.unpackBits(bytes, bits, levels.length)), levels, `bits ${bits}`);
  }
  // The spec's example: 12-bit [0, 2047, 4095, 4095] is 00 f0 7f ff ff ff.
  assert.deepEqual(Array.from(fw.unpackBits(Uint8Array.from([0x00, 0xf0, 0x7f, 0xff, 0xff, 0xff]), 12, 4)), [0, 2047, 4095, 4095]);
  assert.throws(() => fw.unpackBits(new Uint8Array(4), 33, 1), RangeError);
  assert.throws(() => fw.unpackBits(new Uint8Array(3), 32, 1), RangeError);
});

test('dequantize: vmin + q * ((vmax - vmin) / (2**bits - 1)) for the n-bit dtypes, the values for the floats', () => {
  const f = fw.parseFrame(imgpack('{"dtype":"packed","shape":[1,3],"bits":4,"vmin":-1.0,"vmax":2.0}', packBits([0, 5, 15], 4)));
  assert.deepEqual(Array.from(fw.dequantize(f)), [-1, Math.fround(-1 + 5 * (3 / 15)), 2]);
  const g = fw.parseFrame(goodCases().float64_le);
  const v = fw.dequantize(g);
  assert.equal(v.constructor, Float32Array);
  assert.deepEqual(Array.from(v).slice(0, 4), [0, -0, 1.5, -2.25]);
});

test('imgpack.js works as the entry module too', () => {
  const url = new URL('../../examples/demo/static/imgpack.js', import.meta.url).href;
  const msg = Buffer.from(imgpack('{"dtype":"packed","shape":[1,4],"bits":12}', Uint8Array.from([0x00, 0xf0, 0x7f, 0xff, 0xff, 0xff])));
  const r = spawnSync(process.execPath, ['--input-type=module', '-e',
    `import { parseImgpack } from ${JSON.stringify(url)};
     const f = parseImgpack(Buffer.from(${JSON.stringify(msg.toString('base64'))}, 'base64'));
     console.log(JSON.stringify(Array.from(f.levels)));
     try { parseImgpack(new Uint8Array(3)); } catch (e) { console.log(e.name + ': ' + e.message); }`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '[0,2047,4095,4095]\nFramewireError: truncated input: the frame needs 4 bytes but the input ends after 3\n');
});
