// framewire.js against the Rust decoder, in Node (the same module runs in
// Chromium in page.test.mjs): every golden vector and a generated corpus of
// liberal-but-valid and bad inputs must get the same verdict, the same
// header fields, levels, dequantized values (bit for bit) and, for bad
// input, the same error message. Plus the streaming reader.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import * as fw from '../../examples/demo/static/framewire.js';
import { bad as badCases, good as goodCases, writeCorpus } from './corpus.mjs';
import { imgpack } from './imgpack_corpus.mjs';
import { cli, compare, goldenFiles, rustTruth, summarize, tempDir } from './lib.mjs';

const corpusDir = tempDir('fw-corpus-');
writeCorpus(corpusDir);
const corpus = (kind) => fs.readdirSync(path.join(corpusDir, kind)).sort().map((f) => path.join(corpusDir, kind, f));
const golden = goldenFiles();
const goodFiles = corpus('good');
const badFiles = corpus('bad');

test('the corpus is what it says', () => {
  assert.equal(goodFiles.length, Object.keys(goodCases()).length);
  assert.equal(badFiles.length, Object.keys(badCases()).length);
  assert.ok(golden.length >= 40, `only ${golden.length} golden vectors`);
});

for (const [label, files, wantOk] of [['golden vector', golden, true], ['good corpus', goodFiles, true], ['bad corpus', badFiles, false]]) {
  test(`JS and Rust agree on every ${label} (${files.length} files)`, () => {
    const failures = [];
    for (const file of files) {
      const truth = rustTruth(file);
      const js = summarize(fw, fs.readFileSync(file));
      const diffs = compare(js, truth);
      if (truth.ok !== wantOk) diffs.unshift(`rust ${truth.ok ? 'accepted' : `rejected: ${truth.message}`}`);
      if (!js.ok && (!js.isError || js.name !== 'FramewireError')) diffs.unshift(`js threw a non-FramewireError ${js.name}`);
      if (diffs.length) failures.push(`${path.basename(file)}: ${diffs.join('; ')}`);
    }
    assert.deepEqual(failures, []);
    console.log(`# ${label}: ${files.length} files, JS and Rust agree on each`);
  });
}

test('bad input throws an Error saying why', () => {
  for (const file of badFiles) {
    assert.throws(() => fw.parseFrame(fs.readFileSync(file)), (err) => {
      assert.ok(err instanceof Error);
      assert.ok(err.message.length > 10, err.message);
      assert.match(err.code, /^[A-Z][A-Za-z0-9]+$/);
      return true;
    }, path.basename(file));
  }
  assert.throws(() => fw.parseSAC('SAC1'), TypeError);
  assert.throws(() => fw.parseVCBN(null), TypeError);
});

test('unaligned and offset inputs decode the same (copies only when needed)', () => {
  for (const file of [...golden, ...goodFiles]) {
    const bytes = fs.readFileSync(file);
    const aligned = new Uint8Array(bytes.length);
    aligned.set(bytes);
    const big = new Uint8Array(bytes.length + 3);
    big.set(bytes, 1);
    const odd = big.subarray(1, 1 + bytes.length);
    const a = summarize(fw, aligned);
    assert.deepEqual(summarize(fw, odd), a, path.basename(file));
    assert.deepEqual(summarize(fw, aligned.buffer), a, path.basename(file));
    assert.deepEqual(summarize(fw, new DataView(big.buffer, 1, bytes.length)), a, path.basename(file));
  }
  // Zero-copy where the layout allows it.
  const buf = new Uint8Array(fs.readFileSync(golden.find((f) => f.endsWith('readme_linspace_u16.vcbn'))));
  const frame = fw.parseVCBN(buf);
  assert.equal(frame.levels.buffer, buf.buffer, 'aligned LE uint16 levels are a view');
  assert.equal(frame.blob.buffer, buf.buffer);
  const sac = fw.parseSAC(new Uint8Array(fs.readFileSync(golden[0])));
  assert.equal(sac.a.byteOffset, 24);
  const be = fw.parseVCBN(goodCases().be_u16);
  assert.deepEqual(Array.from(be.levels), [0, 1, 4096, 2048, 65535, 7], 'big-endian levels converted');
});

test('shape dimensions past 2^53 stay exact', () => {
  const f = fw.parseVCBN(goodCases().zero_rows_huge_cols);
  assert.deepEqual(f.header.shape, [0, 18446744073709551615n]);
  assert.equal(f.levels.length, 0);
  // Ordinary headers hold plain numbers (JSON.stringify works on them).
  assert.equal(JSON.stringify(fw.parseVCBN(goodCases().be_u16).header),
    '{"dtype":"uint16","endianness":"BE","shape":[2,3],"order":"C","resolution":4096,"vmin":0,"vmax":1,"elements":6,"blobLength":12}');
});

// ------------------------------------------------------------------ streaming

function streamOf(files) {
  const parts = files.map((f) => new Uint8Array(fs.readFileSync(f)));
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  const offsets = [];
  let o = 0;
  for (const p of parts) { offsets.push(o); all.set(p, o); o += p.length; }
  return { all, parts, offsets };
}

/** A deterministic pseudo-random chunking of `bytes`. */
function* chunks(bytes, sizes) {
  let i = 0;
  let k = 0;
  while (i < bytes.length) {
    const n = sizes(k++);
    yield bytes.subarray(i, i + n);
    i += n;
  }
}

function lcg(seed) {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s; };
}

async function collect(iterable) {
  const out = [];
  for await (const f of fw.readFrames(iterable)) out.push(f);
  return out;
}

test('readFrames: SAC and VCBN back to back, whatever the chunking', async () => {
  const files = [...golden, ...goodFiles];
  const { all, parts, offsets } = streamOf(files);
  const expected = parts.map((p) => summarize(fw, p));
  const rnd = lcg(42);
  const chunkings = {
    'one byte': () => 1,
    'seven bytes': () => 7,
    'random 1..5000': () => 1 + (rnd() % 5000),
    'whole': () => all.length,
  };
  for (const [name, sizes] of Object.entries(chunkings)) {
    const frames = await collect(chunks(all, sizes));
    assert.equal(frames.length, files.length, name);
    // Every yielded frame is where it was, and decodes as the file alone.
    frames.forEach((f, i) => {
      assert.equal(f.streamOffset, offsets[i], `${name}: offset of frame ${i}`);
      assert.deepEqual(summaryOfFrame(f), expected[i], `${name}: frame ${i}`);
    });
  }
  // A web ReadableStream (as fetch gives) works the same.
  const rs = new ReadableStream({
    start(c) { for (const piece of chunks(all, () => 1000)) c.enqueue(piece); c.close(); },
  });
  assert.equal((await collect(rs)).length, files.length);
});

test('readFrames yields each frame as soon as its last byte is in, before the stream ends', async () => {
  const files = golden.slice(0, 6);
  const { parts } = streamOf(files);
  // A ReadableStream fed by hand: each frame goes in as two pieces (split in
  // the middle), and the next piece is enqueued only after the reader has
  // yielded the frame before it, so a reader that waits for more bytes than
  // the frame needs (or for the end) would hang here instead.
  let controller;
  const rs = new ReadableStream({ start(c) { controller = c; } });
  const it = fw.readFrames(rs)[Symbol.asyncIterator]();
  const timeout = (ms) => new Promise((_, rej) => setTimeout(() => rej(new Error(`no frame within ${ms} ms`)), ms));
  for (const [i, p] of parts.entries()) {
    const half = p.length >> 1;
    controller.enqueue(p.slice(0, half));
    controller.enqueue(p.slice(half));
    const { value, done } = await Promise.race([it.next(), timeout(2000)]);
    assert.equal(done, false, `frame ${i}`);
    assert.deepEqual(summaryOfFrame(value), summarize(fw, p), `frame ${i}`);
  }
  controller.close();
  assert.equal((await it.next()).done, true);
});

/** summarize() of an already parsed frame. */
function summaryOfFrame(f) {
  return summarize({ parseFrame: () => f, dequantize: fw.dequantize }, null);
}

test('readFrames: a bad frame is reported with its stream offset and the same reason', async () => {
  const good = fs.readFileSync(golden[0]);
  let checked = 0;
  for (const file of badFiles) {
    const single = summarize(fw, fs.readFileSync(file));
    assert.equal(single.ok, false);
    const bytes = fs.readFileSync(file);
    if (bytes.length < 4) continue;
    const code = (() => { try { fw.parseFrame(bytes); } catch (e) { return e.code; } })();
    // Length errors mean something else in a stream (the frame ends where its header says).
    if (code === 'Truncated' || code === 'TrailingBytes') continue;
    const stream = [good, bytes];
    await assert.rejects(collect(stream), (err) => {
      assert.ok(err instanceof fw.FramewireError);
      assert.equal(err.message, `at stream offset ${good.length}: ${single.message}`, path.basename(file));
      assert.equal(err.streamOffset, good.length);
      return true;
    });
    checked++;
  }
  assert.ok(checked > 50, `only ${checked} bad frames checked in a stream`);
  // A stream that ends inside a frame.
  const cut = fs.readFileSync(golden.at(-1));
  await assert.rejects(collect([good, cut.subarray(0, cut.length - 1)]),
    new RegExp(`^FramewireError: at stream offset ${good.length}: truncated input: the frame needs ${cut.length} bytes but the input ends after ${cut.length - 1}$`));
  await assert.rejects(collect([good, cut.subarray(0, 2)]), /the frame needs 4 bytes but the input ends after 2/);
});

/** `framewire frames` on `bytes`: its last line's error, as readFrames words it. */
function rustStreamError(bytes) {
  const dir = tempDir('fw-stream-');
  const file = path.join(dir, 'stream.bin');
  fs.writeFileSync(file, bytes);
  const r = cli('frames', file);
  const last = JSON.parse(r.stdout.trimEnd().split('\n').at(-1));
  assert.ok(last.error !== undefined, r.stdout);
  return `at stream offset ${last.offset}: ${last.error}`;
}

test('readFrames: a header is checked as soon as it is in, and frames of 2^53 bytes and more are cut short, as in Rust', async () => {
  const hex = (h) => Uint8Array.from(h.match(/../g).map((b) => parseInt(b, 16)));
  const cases = {
    // HEADER_LEN 0, the stream ending where the pad byte is due.
    empty_header: '5643424e0100000000',
    // 32 bytes of JSON with trailing garbage, no pad byte yet.
    bad_json_no_pad: '5643424e01000000207b226474797065223a2275696e7438222c227368617065223a5b312c325d7d78',
    // A valid 32-byte header, no pad byte yet: cut short at 44.
    good_header_no_pad: '5643424e01000000207b226474797065223a2275696e7438222c227368617065223a5b312c325d7d20',
    // Shape [1, 2^53 + 1]: a frame no buffer holds, cut short.
    frame_past_2_53: '5643424e010000002e7b226474797065223a2275696e7438222c227368617065223a5b312c393030373139393235343734303939335d7d00',
  };
  for (const [name, h] of Object.entries(cases)) {
    const bytes = hex(h);
    const want = rustStreamError(bytes);
    for (const chunking of [[bytes], Array.from(bytes, (b) => Uint8Array.of(b))]) {
      await assert.rejects(collect(chunking), (err) => {
        assert.equal(err.message, want, name);
        return true;
      });
    }
  }
  // Whole-message decoding: a frame length past 2^64 is SizeOverflow, as in Rust.
  const file = path.join(tempDir('fw-frame-'), 'f.vcbn');
  const frame = hex('5643424e01000000327b226474797065223a2275696e7438222c227368617065223a5b312c31383434363734343037333730393535313631355d7d00');
  fs.writeFileSync(file, frame);
  const truth = rustTruth(file);
  assert.equal(truth.ok, false);
  assert.equal(summarize(fw, frame).message, truth.message);
  assert.match(truth.message, /^size overflow/);
});

test('NaN bits survive decoding: float16 payloads (quieted, as Rust) and float32 copies', () => {
  // float16 0x7c01, 0xfc01, 0x7dff (signalling, payloads) and 0x7e00 (quiet).
  const halves = [0x7c01, 0xfc01, 0x7dff, 0x7e00];
  for (const be of [false, true]) {
    const blob = new Uint8Array(8);
    halves.forEach((h, i) => new DataView(blob.buffer).setUint16(2 * i, h, !be));
    const f = fw.parseImgpack(imgpack(`{"dtype":"float16","shape":[1,4]${be ? ',"endianness":"BE"' : ''}}`, blob));
    assert.deepEqual(Array.from(new Uint32Array(f.data.buffer, f.data.byteOffset, 4)),
      [0x7fc02000, 0xffc02000, 0x7fffe000, 0x7fc00000]);
  }
  // float32 signalling NaNs through a copy (big-endian, or misaligned): bit for bit.
  const nans = [0x7f800001, 0xff800001, 0x7fa00000];
  for (const [be, shift] of [[true, 0], [false, 1]]) {
    const blob = new Uint8Array(12);
    nans.forEach((b, i) => new DataView(blob.buffer).setUint32(4 * i, b, !be));
    const m = imgpack(`{"dtype":"float32","shape":[1,3]${be ? ',"endianness":"BE"' : ''}}`, blob);
    const buf = new Uint8Array(m.length + shift);
    buf.set(m, shift);
    const f = fw.parseImgpack(buf.subarray(shift));
    assert.deepEqual(Array.from(new Uint32Array(f.data.buffer, f.data.byteOffset, 3)), nans, `be ${be} shift ${shift}`);
  }
});

test('readFrames never sizes a buffer from an unvalidated length', async () => {
  // A header claiming an 8 GiB blob, followed by 8 bytes: nothing is allocated for it.
  const claim = badCases().huge_blob_claimed;
  const before = process.memoryUsage().arrayBuffers;
  await assert.rejects(collect([claim]), /^FramewireError: at stream offset 0: truncated input: the frame needs 85899346\d\d bytes but the input ends after 58$/);
  assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 1024 * 1024);
});

test('verifyIntegrity checks the SRI hashes of `framewire publish --content-addressed` (SubtleCrypto, Node)', async () => {
  const dir = tempDir('fw-addressed-');
  const sample = fs.readFileSync(path.join('tests', 'golden', 'sample.sac'));
  fs.writeFileSync(path.join(dir, 'photo.png.sac'), sample);
  const r = cli('publish', '--content-addressed', dir);
  assert.equal(r.status, 0, r.stderr);
  const { files } = JSON.parse(fs.readFileSync(path.join(dir, 'framewire-manifest.json'), 'utf8'));
  const entry = files['photo.png.sac'];
  const hex = crypto.createHash('sha256').update(sample).digest('hex');
  assert.equal(entry.sha256, hex);
  assert.equal(entry.url, `photo.png.${hex.slice(0, 16)}.sac`);
  const bytes = fs.readFileSync(path.join(dir, entry.url));
  assert.deepEqual(bytes, sample);
  assert.equal(await fw.verifyIntegrity(bytes, entry.integrity), true);
  assert.equal(await fw.verifyIntegrity(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length), entry.integrity), true);
  // Any other byte, or a missing one, fails.
  const tampered = Uint8Array.from(bytes);
  tampered[30] ^= 1;
  assert.equal(await fw.verifyIntegrity(tampered, entry.integrity), false);
  assert.equal(await fw.verifyIntegrity(bytes.subarray(1), entry.integrity), false);
  // SRI lists: any hash may match; unknown algorithms alone are refused.
  assert.equal(await fw.verifyIntegrity(bytes, `sha512-AAAA ${entry.integrity}`), true);
  const sha384 = crypto.createHash('sha384').update(sample).digest('base64');
  assert.equal(await fw.verifyIntegrity(bytes, `sha384-${sha384}`), true);
  await assert.rejects(fw.verifyIntegrity(bytes, 'md5-AAAA'), TypeError);
  fs.rmSync(dir, { recursive: true, force: true });
});
