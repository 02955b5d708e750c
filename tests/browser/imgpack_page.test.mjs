// imgpack's latest layout in real headless Chromium, against the running
// demo server (the environment of page.test.mjs; see .ci/browser.sh):
//
// - framewire.js (with imgpack.js) decodes every latest-layout file of
//   tests/interop/imgpack/ to exactly the manifest's array, and agrees with
//   the Rust decoder on the good/bad corpus;
// - the page switches the stream with POST /set_mode, labels it, and draws
//   its frames exactly (the frames' levels decoded by the Rust side);
// - a WebSocket text message such as imgpack's "send" gets a frame.
//
// The server is left as it was found: VCBN, animated.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

import { bad as badCases, good as goodCases } from './imgpack_corpus.mjs';
import {
  compareImgpack, compareManifest, imgpackManifest, imgpackTruth, summarize, tempDir,
} from './lib.mjs';

const BASE = process.env.DEMO_URL;
if (!BASE) throw new Error('set DEMO_URL (see .ci/browser.sh)');

let context;
let page;
const work = tempDir('fw-imgpack-page-');
const pageErrors = [];

before(async () => {
  context = await chromium.launchPersistentContext(tempDir('fw-chromium-'), {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync', '--disable-dev-shm-usage'],
    viewport: { width: 1000, height: 900 },
  });
  page = context.pages()[0] ?? await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });
});

after(async () => {
  await post('/set_mode', '{"format":"vcbn"}');
  await post('/animate');
  await context?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

async function post(route, body, contentType = 'application/json') {
  const resp = await fetch(BASE + route, { method: 'POST', body, headers: { 'content-type': contentType } });
  return { status: resp.status, text: await resp.text() };
}

async function canvasPixels() {
  return page.evaluate(() => {
    const c = document.querySelector('#frame');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    return { width: c.width, height: c.height, data: Array.from(d.data) };
  });
}

function expectGray(pixels, grays, what) {
  const bad = grays.findIndex((g, i) => {
    const px = pixels.data.slice(i * 4, i * 4 + 4);
    return px[0] !== g || px[1] !== g || px[2] !== g || px[3] !== 255;
  });
  assert.equal(bad, -1, bad < 0 ? '' : `${what}: pixel ${bad} is ${pixels.data.slice(bad * 4, bad * 4 + 4)}, want gray ${grays[bad]}`);
}

/** framewire.js's summary of each input, computed in the page. */
async function summariesInPage(buffers) {
  return page.evaluate(async ([summarizeSource, inputs]) => {
    const fw = await import('/framewire.js');
    // eslint-disable-next-line no-new-func
    const summarize = new Function(`return (${summarizeSource})`)();
    return inputs.map((b64) => {
      const bin = atob(b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      return summarize(fw, bytes);
    });
  }, [summarize.toString(), buffers.map((b) => Buffer.from(b).toString('base64'))]);
}

/**
 * In the page: a WebSocket of its own, its first frame, then `text` sent and
 * the next frame (null if none came within 3 s). Both as base64.
 */
async function askInPage(text) {
  return page.evaluate((msg) => new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${location.host}/ws`);
    ws.binaryType = 'arraybuffer';
    const got = [];
    const b64 = (buf) => { let s = ''; for (const b of new Uint8Array(buf)) s += String.fromCharCode(b); return btoa(s); };
    const done = (second) => { ws.close(); resolve({ first: got[0], second }); };
    ws.onerror = () => reject(new Error('WebSocket error'));
    ws.onmessage = (evt) => {
      got.push(b64(evt.data));
      if (got.length === 1) {
        ws.send(msg);
        setTimeout(() => done(null), 3000);
      } else if (got.length === 2) done(got[1]);
    };
  }), text);
}

// ------------------------------------------------------------------ decoding in Chromium

test('framewire.js in Chromium decodes every latest-layout imgpack file to the manifest array', async () => {
  await page.goto(`${BASE}/`);
  const latest = imgpackManifest().filter((e) => e.variant === 'head');
  assert.equal(latest.length, 175);
  const results = await summariesInPage(latest.map((e) => fs.readFileSync(e.path)));
  const failures = [];
  latest.forEach((e, i) => {
    const diffs = compareManifest(results[i], e);
    if (diffs.length) failures.push(`${e.file}: ${diffs.join('; ')}`);
  });
  assert.deepEqual(failures, []);
  console.log(`# chromium: ${latest.length} imgpack files decode to their manifest arrays`);
});

test('framewire.js in Chromium agrees with the Rust decoder on the imgpack corpus', async () => {
  const cases = Object.entries({ ...goodCases(), ...badCases() });
  const files = cases.map(([name, bytes]) => {
    const f = path.join(work, `${name}.bin`);
    fs.writeFileSync(f, bytes);
    return f;
  });
  const truths = imgpackTruth(files);
  const results = await summariesInPage(cases.map(([, b]) => b));
  const failures = [];
  cases.forEach(([name], i) => {
    const diffs = compareImgpack(results[i], truths[i]);
    if (diffs.length) failures.push(`${name}: ${diffs.join('; ')}`);
  });
  assert.deepEqual(failures, []);
  assert.equal(results.filter((r) => !r.ok).length, Object.keys(badCases()).length);
  console.log(`# chromium: ${cases.length} imgpack messages, framewire.js agrees with the Rust decoder on each`);
});

// ------------------------------------------------------------------ the page

// 2x3 samples whose 12-bit level over [0, 1] is exactly `levels12`.
const levels12 = [0, 1, 2047, 2048, 4094, 4095];
const samples = levels12.map((k) => (k + 0.5) / 4095);

test('POST /set_mode: the page shows and draws frames in imgpack\'s layout', async () => {
  await page.goto(`${BASE}/?colormap=gray`);
  await page.waitForFunction(() => window.demo.frames >= 1, null, { timeout: 15000 });
  const r = await post('/set_array?vmin=0&vmax=1', JSON.stringify({ data: [samples.slice(0, 3), samples.slice(3)] }));
  assert.equal(r.status, 200, r.text);

  // packed, 12 bits, through the page's own POST.
  const answer = await page.evaluate(() => window.demo.setMode('packed', 12));
  assert.equal(answer.status, 200, answer.text);
  assert.equal(JSON.parse(answer.text).format, 'imgpack');
  await page.waitForFunction(() => window.demo.last?.format === 'imgpack' && window.demo.last.header.bits === 12, null, { timeout: 10000 });
  assert.equal(await page.textContent('#stat-wire'), 'imgpack packed 12-bit');
  assert.match(await page.textContent('#header'), /"dtype": "packed"[\s\S]*imgpack \(no magic\) · HEADER_LEN \d+ · pad 0 · blob 9 bytes/);
  let pixels = await canvasPixels();
  assert.deepEqual([pixels.width, pixels.height], [3, 2]);
  expectGray(pixels, levels12.map((k) => Math.round((k * 255) / 4095)), 'packed 12');

  // uint32 at 32 bits through the controls; the levels from the Rust decoder.
  await page.selectOption('#wire-dtype', 'uint32');
  await page.fill('#wire-bits', '32');
  await page.click('#set-mode');
  await page.waitForFunction(() => window.demo.last?.wire === 'imgpack uint32 32-bit LE', null, { timeout: 10000 });
  const { first } = await askInPage('send');
  const file = path.join(work, 'u32.bin');
  fs.writeFileSync(file, Buffer.from(first, 'base64'));
  const [truth] = imgpackTruth([file]);
  assert.equal(truth.dtype, 'uint32');
  assert.equal(truth.bits, 32);
  const top = 2 ** 32 - 1;
  pixels = await canvasPixels();
  expectGray(pixels, truth.data.map((q) => Math.round((Math.min(q, top) * 255) / top)), 'uint32 32');
  assert.ok(truth.data.some((q) => q > 2 ** 31), 'levels past 2^31 are drawn as well');

  // float32: the values, scaled by the range.
  await page.selectOption('#wire-dtype', 'float32');
  await page.click('#set-mode');
  await page.waitForFunction(() => window.demo.last?.wire === 'imgpack float32 LE', null, { timeout: 10000 });
  expectGray(await canvasPixels(), samples.map((x) => Math.round(255 * Math.min(1, Math.fround(x)))), 'float32');

  // A refused switch says why, and changes nothing.
  await page.selectOption('#wire-dtype', 'packed');
  await page.fill('#wire-bits', '40');
  await page.click('#set-mode');
  await page.waitForFunction(() => document.querySelector('#mode-status').textContent !== '', null, { timeout: 5000 });
  assert.equal(await page.textContent('#mode-status'),
    'set_mode refused: bits 40 does not fit the dtype packed: expected an integer from 1 to 32');
  assert.equal(JSON.parse((await fetch(`${BASE}/api/state`).then((x) => x.text()))).dtype, 'float32');

  // Back to VCBN.
  assert.equal((await page.evaluate(() => window.demo.setMode('vcbn'))).status, 200);
  await page.waitForFunction(() => window.demo.last?.format === 'vcbn', null, { timeout: 10000 });
  assert.equal(await page.textContent('#stat-wire'), 'VCBN uint16');
});

test('a WebSocket text message (imgpack\'s "send") gets the current frame', async () => {
  // A fixed array: no frame comes unasked.
  const r = await post('/set_array?vmin=0&vmax=1', JSON.stringify({ data: [samples] }));
  assert.equal(r.status, 200, r.text);
  assert.equal((await post('/set_mode', '{"dtype":"packed","bits":7}')).status, 200);
  for (const text of ['send', 'resend', 'whatever']) {
    const { first, second } = await askInPage(text);
    assert.ok(second, `no frame for ${JSON.stringify(text)}`);
    assert.equal(second, first, text);
    const f = path.join(work, 'send.bin');
    fs.writeFileSync(f, Buffer.from(second, 'base64'));
    const [truth] = imgpackTruth([f]);
    assert.deepEqual([truth.dtype, truth.bits, truth.shape], ['packed', 7, ['1', '6']]);
  }
  await post('/set_mode', '{"format":"vcbn"}');
  await post('/animate');
  // The one refused /set_mode above is logged by Chromium as a 400; nothing else.
  assert.deepEqual(pageErrors.filter((e) => !/404/.test(e)),
    ['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
});
