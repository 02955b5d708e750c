// The demo in real headless Chromium (Debian's chromium, driven by
// playwright-core), against a running demo server:
//
//   DEMO_URL=http://127.0.0.1:PORT   the server (required)
//   IMAGES_DIR=...                   the folder it serves at /i/ (required)
//   FRAMEWIRE_BIN=...                the CLI, the Rust side of every comparison
//   CHROMIUM=/usr/bin/chromium       the browser
//   SCREENSHOT=target/browser/screenshot.png
//
// Every expected value comes from the Rust CLI (`framewire encode/decode`),
// not from the page's code.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';

import { bad as badCases, good as goodCases, sac, vcbn } from './corpus.mjs';
import { imgpack } from './imgpack_corpus.mjs';
import { cli, compare, goldenFiles, readNpy, repo, rustTruth, summarize, tempDir, writeNpy } from './lib.mjs';

const BASE = process.env.DEMO_URL;
const IMAGES = process.env.IMAGES_DIR;
const SHOT = process.env.SCREENSHOT ?? path.join(repo, 'target', 'browser', 'screenshot.png');
if (!BASE || !IMAGES) throw new Error('set DEMO_URL and IMAGES_DIR (see .ci/browser.sh)');

const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync',
  '--disable-dev-shm-usage', // small /dev/shm in containers
];

let context;
let page;
const work = tempDir('fw-page-');
const consoleErrors = [];

before(async () => {
  context = await chromium.launchPersistentContext(tempDir('fw-chromium-'), {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1000, height: 900 },
  });
  page = context.pages()[0] ?? await context.newPage();
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  await post('/animate');
});

after(async () => {
  await context?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

// ------------------------------------------------------------------ helpers

async function post(route, body, contentType = 'application/json') {
  const resp = await fetch(BASE + route, { method: 'POST', body, headers: { 'content-type': contentType } });
  return { status: resp.status, text: await resp.text() };
}

/** A raw HTTP GET/HEAD (no automatic decompression): { status, headers, body }. */
function raw(route, headers = {}, method = 'GET') {
  return new Promise((resolve, reject) => {
    const req = http.request(BASE + route, { method, headers }, (res) => {
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const frames = () => page.evaluate(() => window.demo.frames);

async function canvasPixels(selector) {
  return page.evaluate((sel) => {
    const c = document.querySelector(sel);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    return { width: c.width, height: c.height, data: Array.from(d.data) };
  }, selector);
}

function hashOf(pixels) {
  let h = 2166136261;
  for (const v of pixels.data) h = Math.imul(h ^ v, 16777619);
  return h >>> 0;
}

/** The levels the Rust encoder makes of a float64 array, via the CLI. */
function rustLevels(name, shape, values, args) {
  const input = path.join(work, `${name}.npy`);
  const frame = path.join(work, `${name}.vcbn`);
  const out = path.join(work, `${name}.out`);
  writeNpy(input, '<f8', shape, Float64Array.from(values));
  let r = cli('encode', 'vcbn', '--input', input, ...args, '--out', frame);
  assert.equal(r.status, 0, r.stderr);
  r = cli('decode', frame, '--out', out);
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(cli('inspect', frame).stdout);
  return { levels: readNpy(path.join(out, 'data.npy')).data, resolution: info.resolution };
}

function expectGray(pixels, levels, resolution) {
  let mismatches = 0;
  let first = '';
  for (let i = 0; i < levels.length; i++) {
    const g = Math.min(255, Math.round((levels[i] * 255) / resolution));
    const px = pixels.data.slice(i * 4, i * 4 + 4);
    if (px[0] !== g || px[1] !== g || px[2] !== g || px[3] !== 255) {
      if (!mismatches) first = `pixel ${i}: got ${px} for level ${levels[i]}, want gray ${g}`;
      mismatches++;
    }
  }
  assert.equal(mismatches, 0, first);
}

// A known array: a ramp with NaN, values below and above the range.
const H = 24;
const W = 40;
const known = Array.from({ length: H * W }, (_, i) => {
  const r = Math.floor(i / W);
  const c = i % W;
  if (r === 3 && c === 5) return NaN;
  return -1.5 + (c / (W - 1)) * 4 + r * 0.01; // -1.5 .. 2.73, range given as -1..2
});

// ------------------------------------------------------------------ the page

test('the page loads, connects and the live stream advances', async () => {
  await page.goto(`${BASE}/?colormap=gray&image=aurora.png`);
  await page.waitForFunction(() => window.demo.frames >= 3, null, { timeout: 15000 });
  const shape = await page.evaluate(() => window.demo.last.header.shape);
  assert.deepEqual(shape, [144, 256]);
  const p0 = hashOf(await canvasPixels('#frame'));
  // Frames counted over two seconds of the page's own clock.
  const rate = await page.evaluate(() => new Promise((resolve) => {
    const n0 = window.demo.frames;
    const t0 = performance.now();
    setTimeout(() => resolve((window.demo.frames - n0) * 1000 / (performance.now() - t0)), 2000);
  }));
  const p1 = hashOf(await canvasPixels('#frame'));
  console.log(`# live stream: ${rate.toFixed(1)} frames per second`);
  assert.ok(rate >= 10 && rate <= 40, `${rate.toFixed(1)} frames per second (expected ~30)`);
  assert.notEqual(p1, p0, 'the canvas did not change');
  const header = await page.textContent('#header');
  assert.match(header, /"dtype": "uint16"/);
  assert.match(header, /VCBN v1 · HEADER_LEN \d+ · pad [01] · blob 73,728 bytes/);
  assert.equal(await page.textContent('#stat-mode'), 'animated');
});

test('a posted array is drawn exactly (JSON body, uint16, grayscale)', async () => {
  const r = await post('/set_array?vmin=-1&vmax=2', JSON.stringify(rows(known, W)));
  assert.equal(r.status, 200, r.text);
  assert.equal(JSON.parse(r.text).header.shape.join(), `${H},${W}`);
  await page.waitForFunction(([h, w]) => {
    const s = window.demo.last?.header.shape;
    return s && s[0] === h && s[1] === w;
  }, [H, W], { timeout: 10000 });
  const pixels = await canvasPixels('#frame');
  assert.deepEqual([pixels.width, pixels.height], [W, H]);
  const { levels, resolution } = rustLevels('known16', [H, W], known, ['--vmin', '-1', '--vmax', '2', '--dtype', 'uint16']);
  assert.equal(resolution, 4096);
  assert.equal(levels[3 * W + 5], 0, 'NaN quantizes to 0');
  assert.ok(levels.includes(4096) && levels.includes(0), 'the ramp is clipped at both ends');
  expectGray(pixels, levels, resolution);

  // Held: no animation frames arrive; "resend" brings exactly one more.
  const n0 = await frames();
  await page.waitForTimeout(500);
  assert.equal(await frames(), n0, 'frames arrived while an array was posted');
  await page.click('#resend');
  await page.waitForFunction((n) => window.demo.frames === n + 1, n0, { timeout: 5000 });
  expectGray(await canvasPixels('#frame'), levels, resolution);
  assert.equal(JSON.parse((await raw('/api/state')).body).mode, 'fixed');
});

test('the viridis colormap draws the same frame in colour', async () => {
  await page.selectOption('#colormap', 'viridis');
  const pixels = await canvasPixels('#frame');
  const { levels } = rustLevels('known16', [H, W], known, ['--vmin', '-1', '--vmax', '2']);
  const at = (i) => pixels.data.slice(i * 4, i * 4 + 4);
  const lo = at(levels.indexOf(0));
  const hi = at(levels.indexOf(4096));
  // matplotlib's viridis runs from (68, 1, 84) to (253, 231, 37).
  const near = (px, rgb) => rgb.every((v, k) => Math.abs(px[k] - v) <= 5) && px[3] === 255;
  assert.ok(near(lo, [68, 1, 84]), `viridis(0) drawn as ${lo}`);
  assert.ok(near(hi, [253, 231, 37]), `viridis(1) drawn as ${hi}`);
  await page.selectOption('#colormap', 'gray');
});

test('a posted .npy array is drawn exactly (float32, uint8, default range)', async () => {
  const h = 17;
  const w = 9;
  const values = Float32Array.from({ length: h * w }, (_, i) => Math.sin(i * 0.37) * 100);
  const body = writeNpy(null, '<f4', [h, w], values);
  const r = await post('/set_array?dtype=uint8', body, 'application/octet-stream');
  assert.equal(r.status, 200, r.text);
  await page.waitForFunction(([hh, ww]) => {
    const s = window.demo.last?.header.shape;
    return s && s[0] === hh && s[1] === ww;
  }, [h, w], { timeout: 10000 });
  // The CLI's default range is the NaN-ignoring min/max too.
  const { levels, resolution } = rustLevels('npy8', [h, w], Array.from(values), ['--dtype', 'uint8']);
  assert.equal(resolution, 255);
  expectGray(await canvasPixels('#frame'), levels, resolution);
});

test('bad /set_array bodies get a 400 with the reason', async () => {
  const npy = (descr, shape, bytes) => writeNpy(null, descr, shape, bytes);
  const cases = [
    ['', /empty body/],
    ['[[1,2],[3]]', /ragged rows: row 1 has 1 values but row 0 has 2/],
    ['[[1,"x"]]', /expected a number or null, found '"' at byte 4/],
    ['[]', /empty/],
    ['{"a":1}', /JSON 2-D list/],
    ['[[1,2],[3,4]', /EOF|JSON/],
    ['[[NaN]]', /JSON/],
    [npy('<f4', [2, 2, 2], new Float32Array(8)), /must be 2-D, found shape \[2, 2, 2\]/],
    [npy('<c8', [2, 2], new Float32Array(8)), /unsupported \.npy dtype '<c8'/],
    [npy('<f4', [5000, 5000], new Float32Array(4)), /too large \(5000x5000\)/],
    [npy('<f4', [4, 4], new Float32Array(3)), /bad \.npy/],
    [Buffer.concat([Buffer.from('\x93NUMPY', 'latin1'), Buffer.alloc(4)]), /bad \.npy file/],
  ];
  for (const [body, reason] of cases) {
    const r = await post('/set_array', body);
    assert.equal(r.status, 400, `${String(body).slice(0, 40)} -> ${r.status} ${r.text}`);
    assert.match(r.text, reason);
  }
  const huge = await post('/set_array', Buffer.alloc(33 * 1024 * 1024, 0x20).fill('[', 0, 1));
  assert.equal(huge.status, 413, huge.text);
  assert.match(huge.text, /body too large \(the limit is 32 MiB\)/);
  for (const [q, reason] of [['?dtype=int8', /expected uint8 or uint16/], ['?vmin=abc', /is not a number/]]) {
    const r = await post(`/set_array${q}`, '[[1]]');
    assert.equal(r.status, 400);
    assert.match(r.text, reason);
  }
  const allNan = await post('/set_array', '[[null, null]]');
  assert.equal(allNan.status, 400);
  assert.match(allNan.text, /every value is NaN/);
});

test('POST /animate resumes the animation', async () => {
  const r = await post('/animate');
  assert.equal(JSON.parse(r.text).mode, 'animated');
  await page.waitForFunction(() => window.demo.last?.header.shape[0] === 144, null, { timeout: 5000 });
  const n0 = await frames();
  await page.waitForTimeout(500);
  assert.ok((await frames()) - n0 >= 5);
});

// ------------------------------------------------------------------ SAC overlay

test('the SAC overlay appears over its image, alpha exactly as specified', async () => {
  await page.goto(`${BASE}/?image=aurora.png`);
  await page.waitForFunction(() => window.demo.overlay !== 'loading', null, { timeout: 10000 });
  assert.equal(await page.evaluate(() => window.demo.overlay), 'shown',
    await page.evaluate(() => window.demo.overlayError));
  const pixels = await canvasPixels('#overlay');
  // Truth: the .sac as served, decoded by the CLI.
  const sacFile = path.join(work, 'aurora.png.sac');
  fs.writeFileSync(sacFile, (await raw('/i/aurora.png.sac', { 'accept-encoding': 'identity' })).body);
  const out = path.join(work, 'aurora.out');
  const r = cli('decode', sacFile, '--out', out);
  assert.equal(r.status, 0, r.stderr);
  const a = readNpy(path.join(out, 'a.npy'));
  const b = readNpy(path.join(out, 'b.npy'));
  assert.deepEqual([pixels.height, pixels.width], a.shape);
  const mag = Array.from(a.data, (v, i) => Math.hypot(v, b.data[i]));
  const max = Math.max(...mag);
  let wrong = 0;
  let visible = 0;
  for (let i = 0; i < mag.length; i++) {
    const alpha = Math.round((255 * mag[i]) / max);
    if (pixels.data[i * 4 + 3] !== alpha) wrong++;
    if (alpha > 0) visible++;
  }
  assert.equal(wrong, 0, `${wrong} overlay pixels with the wrong alpha`);
  assert.ok(visible > 1000, `only ${visible} visible overlay pixels`);
  // The overlay covers the image exactly.
  const [img, ov] = await page.evaluate(() => ['#photo', '#overlay'].map((s) => {
    const r = document.querySelector(s).getBoundingClientRect();
    return [r.x, r.y, r.width, r.height].map(Math.round);
  }));
  assert.deepEqual(ov, img);
});

test('without a .sac (404) or with a broken one, the image shows alone', async () => {
  await page.goto(`${BASE}/?image=meadow.png`);
  await page.waitForFunction(() => window.demo.overlay !== 'loading', null, { timeout: 10000 });
  let state = await page.evaluate(() => ({
    overlay: window.demo.overlay, error: window.demo.overlayError,
    img: document.querySelector('#photo').naturalWidth, ov: document.querySelector('#overlay').width,
    status: document.querySelector('#sac-status').textContent,
  }));
  assert.equal(state.overlay, 'none');
  assert.match(state.error, /SAC fetch failed: 404/);
  assert.equal(state.img, 320);
  assert.equal(state.ov, 0);
  assert.match(state.status, /showing the image alone/);

  // A corrupt companion: the decoder's reason is shown, the image stays.
  fs.copyFileSync(path.join(IMAGES, 'meadow.png'), path.join(IMAGES, 'broken.png'));
  fs.writeFileSync(path.join(IMAGES, 'broken.png.sac'), Buffer.from('SAC1\x00\x01\x03\x00' + '\x00'.repeat(16), 'latin1'));
  try {
    await page.goto(`${BASE}/?image=broken.png`);
    await page.waitForFunction(() => window.demo.overlay !== 'loading', null, { timeout: 10000 });
    state = await page.evaluate(() => ({ overlay: window.demo.overlay, error: window.demo.overlayError,
      img: document.querySelector('#photo').naturalWidth }));
    assert.equal(state.overlay, 'none');
    assert.equal(state.error, 'unsupported SAC arrays_count 3 at offset 6 (v1 requires 2)');
    assert.equal(state.img, 320);
  } finally {
    for (const f of ['broken.png', 'broken.png.sac']) fs.rmSync(path.join(IMAGES, f), { force: true });
  }
});

// ------------------------------------------------------------------ framewire.js in Chromium

test('the page draws edge-case frames as specified: order F, empty and huge shapes, ranges too wide to subtract, short SAC arrays', async () => {
  await page.goto(`${BASE}/?colormap=gray`);
  await page.waitForFunction(() => window.demo.frames >= 1 && window.demo.overlay !== 'loading', null, { timeout: 15000 });
  // Each case runs in one evaluate: no WebSocket frame can come in between.
  const show = (bytes) => page.evaluate((b) => {
    const before = window.demo.errors.length;
    window.demo.show(new Uint8Array(b).buffer);
    const c = document.querySelector('#frame');
    const d = c.width && c.height ? Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data) : [];
    return { width: c.width, height: c.height, data: d, errors: window.demo.errors.slice(before), shape: window.demo.last.header.shape.map(String) };
  }, Array.from(bytes));

  // order F: value i at row i % H, column floor(i / H).
  let r = await show(vcbn('{"dtype":"uint8","shape":[2,3],"order":"F","resolution":5}', [0, 1, 2, 3, 4, 5]));
  assert.deepEqual([r.width, r.height, r.errors], [3, 2, []]);
  expectGray(r, [0, 2, 4, 1, 3, 5], 5);
  // Order C, the same levels: drawn as stored.
  r = await show(vcbn('{"dtype":"uint8","shape":[2,3],"resolution":5}', [0, 1, 2, 3, 4, 5]));
  expectGray(r, [0, 1, 2, 3, 4, 5], 5);

  // No pixels, sides past 2^32 and 2^53: a 0x0 canvas, no error, the header shown.
  for (const shape of ['[0,9007199254740993]', '[4294967297,0]']) {
    r = await show(vcbn(`{"dtype":"uint8","shape":${shape}}`, []));
    assert.deepEqual([r.width, r.height, r.errors], [0, 0, []], shape);
    assert.deepEqual(r.shape, JSON.parse(shape.replace(/(\d+)/g, '"$1"')), shape);
  }
  // A side the canvas cannot have: not drawn, said why, the header still shown.
  r = await show(vcbn('{"dtype":"uint8","shape":[1,40000]}', new Array(40000).fill(7)));
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0], /1x40000 frame is too large to draw/);
  assert.deepEqual(r.shape, ['1', '40000']);

  // imgpack float64 over a finite range whose width overflows: scaled by halves.
  const values = [-5e307, 0, 9e307];
  const f64 = new Uint8Array(new Float64Array(values).buffer);
  r = await show(imgpack('{"dtype":"float64","shape":[1,3],"vmin":-1e308,"vmax":1e308}', f64));
  assert.deepEqual(r.errors, []);
  const t = (x) => (x * 0.5 - -1e308 / 2) / (1e308 / 2 - -1e308 / 2);
  expectGray(r, values.map((x) => Math.round(255 * t(x))), 255);
  assert.deepEqual([r.data[0], r.data[4], r.data[8]], [64, 128, 242]);

  // A SAC file whose b is shorter than the image is refused, as a short a is.
  const overlay = (bytes) => page.evaluate((b) => {
    try {
      return { max: window.demo.overlayOf(new Uint8Array(b).buffer) };
    } catch (err) {
      return { error: err.message };
    }
  }, Array.from(bytes));
  assert.deepEqual(await overlay(sac([3, 4, 0, 6], [0, 0, 0, 8], 2, 2)), { max: 10 });
  // Without a shape, the image's size decides, for b as for a.
  const [pw, ph] = await page.evaluate(() => {
    const p = document.querySelector('#photo');
    return [p.naturalWidth, p.naturalHeight];
  });
  assert.ok(pw * ph > 0);
  assert.deepEqual(await overlay(sac(new Array(pw * ph).fill(1), [], 0, 0)),
    { error: `SAC arrays hold ${pw * ph} and 0 values, the image has ${pw}x${ph}` });
  assert.deepEqual(await overlay(sac(new Array(pw * ph).fill(3), new Array(pw * ph).fill(4), 0, 0)), { max: 5 });
});

test('framewire.js in Chromium agrees with the Rust decoder on every golden vector and the corpus', async () => {
  const cases = [
    ...goldenFiles().map((f) => [f, fs.readFileSync(f)]),
    ...Object.entries({ ...goodCases(), ...badCases() }).map(([name, bytes]) => {
      const f = path.join(work, `${name}.bin`);
      fs.writeFileSync(f, bytes);
      return [f, Buffer.from(bytes)];
    }),
  ];
  const results = await page.evaluate(async ([summarizeSource, inputs]) => {
    const fw = await import('/framewire.js');
    // eslint-disable-next-line no-new-func
    const summarize = new Function(`return (${summarizeSource})`)();
    return inputs.map((b64) => {
      const bin = atob(b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      return summarize(fw, bytes);
    });
  }, [summarize.toString(), cases.map(([, b]) => b.toString('base64'))]);
  const failures = [];
  cases.forEach(([file], i) => {
    const diffs = compare(results[i], rustTruth(file));
    if (diffs.length) failures.push(`${path.basename(file)}: ${diffs.join('; ')}`);
  });
  assert.deepEqual(failures, []);
  const rejected = results.filter((r) => !r.ok);
  assert.equal(rejected.length, Object.keys(badCases()).length);
  assert.ok(rejected.every((r) => r.isError && r.name === 'FramewireError'));
  console.log(`# chromium: ${cases.length} files, framewire.js agrees with the Rust decoder on each`);
});

test('readFrames parses a fetch() body as it arrives, in Chromium', async () => {
  const counts = await page.evaluate(() => window.demo.readStream(12));
  assert.equal(counts.vcbn, 10);
  assert.equal(counts.sac, 2);
  const whole = await raw('/stream?n=12');
  assert.equal(counts.bytes, whole.body.length);
  assert.deepEqual(counts.offsets, [...counts.offsets].sort((x, y) => x - y));
});

// ------------------------------------------------------------------ CDN headers

test('SAC files are served with CDN headers: cache, ETag/304, ranges/206, br and gzip, CORS', async () => {
  const file = fs.readFileSync(path.join(IMAGES, 'aurora.png.sac'));
  const full = await raw('/i/aurora.png.sac', { 'accept-encoding': 'identity' });
  assert.equal(full.status, 200);
  assert.equal(full.headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.equal(full.headers['content-type'], 'application/octet-stream');
  assert.equal(full.headers['accept-ranges'], 'bytes');
  assert.equal(full.headers['content-encoding'], undefined);
  assert.match(full.headers.vary, /accept-encoding/i);
  assert.ok(full.headers['last-modified']);
  assert.deepEqual(full.body, file);
  const etag = full.headers.etag;
  assert.match(etag, /^"[0-9a-f]{32}"$/, 'a strong ETag');

  // Conditional requests.
  const notModified = await raw('/i/aurora.png.sac', { 'accept-encoding': 'identity', 'if-none-match': etag });
  assert.equal(notModified.status, 304);
  assert.equal(notModified.body.length, 0);
  assert.equal(notModified.headers.etag, etag);
  assert.equal(notModified.headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.equal((await raw('/i/aurora.png.sac', { 'accept-encoding': 'identity', 'if-none-match': `"x", W/${etag}` })).status, 304);
  assert.equal((await raw('/i/aurora.png.sac', { 'accept-encoding': 'identity', 'if-none-match': '"other"' })).status, 200);
  // If-None-Match wins over If-Modified-Since.
  assert.equal((await raw('/i/aurora.png.sac', {
    'accept-encoding': 'identity', 'if-none-match': '"other"', 'if-modified-since': full.headers['last-modified'],
  })).status, 200);
  assert.equal((await raw('/i/aurora.png.sac', {
    'accept-encoding': 'identity', 'if-modified-since': full.headers['last-modified'],
  })).status, 304);

  // Byte ranges.
  const part = await raw('/i/aurora.png.sac', { 'accept-encoding': 'identity', range: 'bytes=0-23' });
  assert.equal(part.status, 206);
  assert.equal(part.headers['content-range'], `bytes 0-23/${file.length}`);
  assert.equal(part.headers.etag, etag);
  assert.deepEqual(part.body, file.subarray(0, 24));
  const tail = await raw('/i/aurora.png.sac', { 'accept-encoding': 'identity', range: 'bytes=-100' });
  assert.equal(tail.status, 206);
  assert.deepEqual(tail.body, file.subarray(file.length - 100));
  assert.equal((await raw('/i/aurora.png.sac', { 'accept-encoding': 'identity', range: 'bytes=0-23', 'if-range': etag })).status, 206);
  const stale = await raw('/i/aurora.png.sac', { 'accept-encoding': 'identity', range: 'bytes=0-23', 'if-range': '"stale"' });
  assert.equal(stale.status, 200);
  assert.equal(stale.body.length, file.length);

  // Precompressed variants by Accept-Encoding.
  const br = await raw('/i/aurora.png.sac', { 'accept-encoding': 'gzip, deflate, br' });
  assert.equal(br.status, 200);
  assert.equal(br.headers['content-encoding'], 'br');
  assert.match(br.headers.vary, /accept-encoding/i);
  assert.ok(br.body.length < file.length / 2, `br body ${br.body.length} bytes`);
  assert.deepEqual(zlib.brotliDecompressSync(br.body), file);
  assert.match(br.headers.etag, /^"[0-9a-f]{32}"$/);
  assert.notEqual(br.headers.etag, etag, 'each representation has its own ETag');
  assert.equal((await raw('/i/aurora.png.sac', { 'accept-encoding': 'br', 'if-none-match': br.headers.etag })).status, 304);
  const gz = await raw('/i/aurora.png.sac', { 'accept-encoding': 'gzip' });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.deepEqual(zlib.gunzipSync(gz.body), file);
  assert.notEqual(gz.headers.etag, br.headers.etag);
  const brRange = await raw('/i/aurora.png.sac', { 'accept-encoding': 'br', range: 'bytes=0-9' });
  assert.equal(brRange.status, 206);
  assert.deepEqual(brRange.body, br.body.subarray(0, 10));

  // CORS, HEAD, the image itself, what is not there.
  const cors = await raw('/i/aurora.png.sac', { origin: 'http://elsewhere.example', 'accept-encoding': 'identity' });
  assert.equal(cors.headers['access-control-allow-origin'], '*');
  for (const h of ['etag', 'content-range', 'content-encoding', 'content-length']) {
    assert.match(cors.headers['access-control-expose-headers'], new RegExp(h));
  }
  const pre = await raw('/i/aurora.png.sac', {
    origin: 'http://elsewhere.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'range',
  }, 'OPTIONS');
  assert.equal(pre.headers['access-control-allow-origin'], '*');
  assert.match(pre.headers['access-control-allow-methods'], /GET/);
  const head = await raw('/i/aurora.png.sac', { 'accept-encoding': 'identity' }, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(Number(head.headers['content-length']), file.length);
  assert.equal(head.body.length, 0);
  const png = await raw('/i/aurora.png');
  assert.equal(png.headers['content-type'], 'image/png');
  assert.equal(png.headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.equal((await raw('/i/meadow.png.sac')).status, 404);
  assert.equal((await raw('/i/..%2F..%2Fetc%2Fpasswd')).status, 404);
  assert.equal((await raw('/i/.hidden')).status, 404);
});

test('content-addressed copies are served and checked with SubtleCrypto before use, in Chromium', async () => {
  const r = cli('publish', '--content-addressed', IMAGES);
  assert.equal(r.status, 0, r.stderr);
  const { files } = JSON.parse(fs.readFileSync(path.join(IMAGES, 'framewire-manifest.json'), 'utf8'));
  const entry = files['aurora.png.sac'];
  await page.goto(`${BASE}/`);
  const result = await page.evaluate(async ({ url, integrity }) => {
    const fw = await import('/framewire.js');
    const bytes = await fw.fetchVerified(`/i/${url}`, integrity);
    const sac = fw.parseSAC(bytes);
    let refused = '';
    try {
      await fw.fetchVerified('/i/dunes.png.sac', integrity);
    } catch (e) {
      refused = e.message;
    }
    return { length: bytes.length, width: sac.width, height: sac.height, refused };
  }, entry);
  assert.equal(result.length, entry.size);
  assert.deepEqual([result.width, result.height], [320, 200]);
  assert.match(result.refused, /the bytes do not match sha256-/);
  const head = await raw(`/i/${entry.url}`, { 'accept-encoding': 'br' });
  assert.equal(head.headers['content-encoding'], 'br');
  assert.equal(head.headers['cache-control'], 'public, max-age=31536000, immutable');
});

test('the demo folder is what `framewire publish` makes of it', () => {
  const copy = tempDir('fw-publish-');
  for (const f of fs.readdirSync(IMAGES)) fs.copyFileSync(path.join(IMAGES, f), path.join(copy, f));
  const r = cli('publish', copy);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /2 \.sac file\(s\) published; 0 file\(s\) written, 4 unchanged/);
  fs.rmSync(copy, { recursive: true, force: true });
});

// ------------------------------------------------------------------ screenshot

test('screenshot of the page', async () => {
  await post('/animate');
  await page.goto(`${BASE}/?colormap=viridis&image=aurora.png`);
  await page.waitForFunction(() => window.demo.frames >= 10 && window.demo.overlay === 'shown', null, { timeout: 15000 });
  fs.mkdirSync(path.dirname(SHOT), { recursive: true });
  // A short viewport: the full-page shot is then exactly as tall as the page.
  await page.setViewportSize({ width: 1000, height: 400 });
  await page.screenshot({ path: SHOT, fullPage: true });
  const size = fs.statSync(SHOT).size;
  console.log(`# screenshot: ${SHOT} (${size} bytes)`);
  assert.ok(size > 50000, `screenshot only ${size} bytes`);
  assert.deepEqual(consoleErrors.filter((e) => !/404/.test(e)), []);
});

function rows(values, w) {
  const out = [];
  for (let i = 0; i < values.length; i += w) out.push(values.slice(i, i + w).map((v) => (Number.isNaN(v) ? null : v)));
  return out;
}
