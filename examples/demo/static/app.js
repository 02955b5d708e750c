// The demo page: live frames from /ws on a canvas (VCBN envelopes, or
// imgpack's latest layout after POST /set_mode), and SAC arrays from
// /i/<image>.sac drawn over their image. All decoding is framewire.js.
//
// Pixel rules (the browser tests check them):
// - grayscale: gray = round(level * 255 / top), levels above top drawn as
//   255; alpha 255. top is the VCBN resolution, or imgpack's top level
//   2**bits - 1. imgpack's float dtypes: t = (x - vmin) / (vmax - vmin)
//   clamped to 0..1 (0 for NaN, or when the range is empty or not
//   finite; a finite range too wide for its width to be finite is scaled
//   by halves, (x/2 - vmin/2) / (vmax/2 - vmin/2)), gray = round(255 * t).
// - order "F" (column-major) data is drawn where it belongs: value i at
//   row i % H, column floor(i / H).
// - a frame with no pixels leaves a 0x0 canvas; one with a side above
//   MAX_SIDE is not drawn (the header still shows, the reason in
//   demo.errors).
// - viridis: t = level / top (or t as above), the viridis polynomial fit, alpha 255.
// - SAC overlay: m = hypot(a, b), M = the largest m, t = m / M (0 when M = 0);
//   alpha = round(255 * t), colour from a red-yellow-white ramp of t.
//
// Query parameters: ?colormap=gray|viridis, ?image=<name>.

import { parseFrame, parseSAC, readFrames } from './framewire.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

// Exposed for tests and the curious.
const demo = {
  frames: 0,
  last: null, // { format, magic, version, headerLen, header, json, byteLength }
  colormap: 'gray',
  overlay: 'loading', // 'loading' | 'shown' | 'none'
  overlayError: null,
  sac: null,
  stream: null,
  errors: [],
};
window.demo = demo;

// ------------------------------------------------------------------ colormaps

function viridis(t) {
  // Polynomial fit of matplotlib's viridis (Matt Zucker, CC0).
  const c = [
    [0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
    [0.1050930431085774, 1.404613529898575, 1.384590162594685],
    [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
    [-4.634230498983486, -5.799100973351585, -19.33244095627987],
    [6.228269936347081, 14.17993336680509, 56.69055260068105],
    [4.776384997670288, -13.74514537774601, -65.35303263337234],
    [-5.435455855934631, 4.645852612178535, 26.3124352495832],
  ];
  return [0, 1, 2].map((k) => {
    let v = c[6][k];
    for (let i = 5; i >= 0; i--) v = v * t + c[i][k];
    return Math.round(255 * Math.min(1, Math.max(0, v)));
  });
}

function hot(t) {
  const ramp = (x) => Math.round(255 * Math.min(1, Math.max(0, x)));
  return [ramp(3 * t), ramp(3 * t - 1), ramp(3 * t - 2)];
}

const luts = new Map();
/** RGBA for every level 0..=resolution. */
function lut(name, resolution) {
  const key = `${name}/${resolution}`;
  let table = luts.get(key);
  if (!table) {
    table = new Uint8ClampedArray((resolution + 1) * 4);
    for (let q = 0; q <= resolution; q++) {
      const rgb = name === 'viridis'
        ? viridis(q / resolution)
        : Array(3).fill(Math.round((q * 255) / resolution));
      table.set([...rgb, 255], q * 4);
    }
    luts.set(key, table);
  }
  return table;
}

// ------------------------------------------------------------------ live frames

const canvas = $('frame');
const ctx = canvas.getContext('2d');
let lastFrame = null;
const arrivals = [];

/** RGBA of t in 0..1 as one little-endian word (as the LUTs hold it). */
function colourWord(name, t) {
  const [r, g, b] = name === 'viridis' ? viridis(t) : Array(3).fill(Math.round(255 * t));
  return (r | (g << 8) | (b << 16) | (255 << 24)) >>> 0;
}

/** The largest canvas side drawn (browsers refuse or blank larger ones). */
const MAX_SIDE = 32767;

function draw(frame) {
  // Sides past 2^53 are BigInts; Number() is exact below that, and above
  // it only compared.
  const [H, W] = frame.header.shape.map(Number);
  if (W === 0 || H === 0) {
    canvas.width = canvas.height = 0;
    return;
  }
  if (W > MAX_SIDE || H > MAX_SIDE) {
    throw new Error(`a ${frame.header.shape[0]}x${frame.header.shape[1]} frame is too large to draw (sides up to ${MAX_SIDE})`);
  }
  if (canvas.width !== W || canvas.height !== H) {
    canvas.width = W;
    canvas.height = H;
  }
  const img = ctx.createImageData(W, H);
  // Column-major data is coloured in its own order, then transposed.
  const fOrder = frame.header.order === 'F' && H > 1 && W > 1;
  const out = new Uint32Array(img.data.buffer);
  const px = fOrder ? new Uint32Array(W * H) : out;
  const h = frame.header;
  if (frame.format === 'imgpack' && frame.levels === null) {
    // Raw floats: scaled by the header's range.
    let lo = h.vmin;
    let span = h.vmax - h.vmin;
    let half = 1;
    if (span === Infinity && Number.isFinite(h.vmin) && Number.isFinite(h.vmax)) {
      lo = h.vmin / 2;
      span = h.vmax / 2 - h.vmin / 2;
      half = 0.5;
    }
    const ok = Number.isFinite(span) && span > 0;
    const data = frame.data;
    for (let i = 0; i < data.length; i++) {
      const t = ok ? (data[i] * half - lo) / span : 0;
      px[i] = colourWord(demo.colormap, t > 0 ? Math.min(1, t) : 0); // NaN -> 0
    }
  } else {
    const top = frame.format === 'imgpack' ? 2 ** h.bits - 1 : h.resolution;
    const levels = frame.levels;
    if (top <= 65535) {
      const words = new Uint32Array(lut(demo.colormap, top).buffer);
      for (let i = 0; i < levels.length; i++) {
        const q = levels[i];
        px[i] = words[q > top ? top : q];
      }
    } else {
      // Too many levels for a table: each pixel on its own.
      for (let i = 0; i < levels.length; i++) {
        const q = Math.min(levels[i], top);
        if (demo.colormap === 'viridis') {
          px[i] = colourWord('viridis', q / top);
        } else {
          const g = Math.round((q * 255) / top);
          px[i] = (g | (g << 8) | (g << 16) | (255 << 24)) >>> 0;
        }
      }
    }
  }
  if (fOrder) {
    for (let c = 0, i = 0; c < W; c++) {
      for (let r = 0; r < H; r++, i++) out[r * W + c] = px[i];
    }
  }
  ctx.putImageData(img, 0, 0);
}

/** The wire format of a frame, as the stats line shows it. */
function wireOf(frame) {
  const h = frame.header;
  if (frame.format !== 'imgpack') return `VCBN ${h.dtype}`;
  const order = h.endianness ? ` ${h.endianness}` : '';
  return h.bits !== null && frame.levels !== null
    ? `imgpack ${h.dtype} ${h.bits}-bit${order}` : `imgpack ${h.dtype}${order}`;
}

/**
 * The header JSON as received, one top-level key per line (the text itself is
 * kept: numbers stay as the server wrote them, e.g. 0.0 and 1e-05).
 */
function prettyJSON(text) {
  let out = '';
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (const ch of text.trim()) {
    if (inString) {
      out += ch;
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === ' ' || ch === '\n' || ch === '\r' || ch === '\t') continue;
    if (ch === '"') inString = true;
    if ((ch === '}' || ch === ']') && --depth === 0) out += '\n';
    out += ch;
    if (ch === '{' || ch === '[') { if (depth++ === 0) out += '\n  '; }
    else if (ch === ',') out += depth === 1 ? '\n  ' : ' ';
    else if (ch === ':' && depth === 1) out += ' ';
  }
  return out;
}

function showHeader(frame) {
  const what = frame.format === 'imgpack' ? 'imgpack (no magic)' : `${frame.magic} v${frame.version}`;
  $('header').textContent = `${prettyJSON(frame.json)}\n\n` +
    `${what} · HEADER_LEN ${frame.headerLen} · pad ${frame.padLen} · ` +
    `blob ${(frame.byteLength - frame.blobOffset).toLocaleString('en')} bytes`;
}

function onFrame(buf) {
  let frame;
  try {
    frame = parseFrame(buf);
    if (frame.format === 'sac') throw new Error('a SAC file on the live stream');
  } catch (err) {
    demo.errors.push(err.message);
    $('header').textContent = `bad frame: ${err.message}`;
    return;
  }
  lastFrame = frame;
  demo.frames++;
  demo.last = {
    format: frame.format, magic: frame.magic, version: frame.version, headerLen: frame.headerLen,
    header: frame.header, json: frame.json, byteLength: frame.byteLength, wire: wireOf(frame),
  };
  try {
    draw(frame);
  } catch (err) {
    // Decoded but not drawable: the header and stats still show.
    demo.errors.push(err.message);
  }
  showHeader(frame);
  $('stat-wire').textContent = demo.last.wire;
  const now = performance.now();
  arrivals.push(now);
  while (arrivals.length > 31) arrivals.shift();
  $('stat-frames').textContent = demo.frames;
  $('stat-bytes').textContent = frame.byteLength.toLocaleString('en');
  if (arrivals.length > 1 && now - arrivals[0] < 3000) {
    $('stat-fps').textContent = ((arrivals.length - 1) * 1000 / (now - arrivals[0])).toFixed(1);
  } else {
    $('stat-fps').textContent = '–';
  }
}

let ws = null;
function connect() {
  ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  ws.binaryType = 'arraybuffer';
  ws.onopen = () => { $('ws-state').textContent = 'connected'; };
  ws.onmessage = (evt) => { if (evt.data instanceof ArrayBuffer) onFrame(evt.data); };
  ws.onclose = (evt) => {
    // The server's reason, if it gave one ("the server is shutting down").
    const why = evt.reason ? ` (${evt.reason})` : '';
    $('ws-state').textContent = `disconnected${why}, retrying…`;
    setTimeout(connect, 1000);
  };
}

async function refreshMode() {
  try {
    const state = await (await fetch('/api/state')).json();
    $('stat-mode').textContent = state.mode;
  } catch { /* the server may be restarting */ }
}

$('colormap').addEventListener('change', (e) => {
  demo.colormap = e.target.value;
  if (lastFrame) {
    try { draw(lastFrame); } catch (err) { demo.errors.push(err.message); }
  }
});
$('resend').addEventListener('click', () => { if (ws && ws.readyState === 1) ws.send('resend'); });
$('animate').addEventListener('click', async () => {
  await fetch('/animate', { method: 'POST' });
  refreshMode();
});

/** POST /set_mode with the wire format chosen; shows the server's answer. */
demo.setMode = async (dtype, bits) => {
  const body = dtype === 'vcbn' ? { format: 'vcbn' }
    : dtype.startsWith('float') ? { dtype } : { dtype, bits: Number(bits) };
  const resp = await fetch('/set_mode', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  const text = (await resp.text()).trim();
  const status = $('mode-status');
  status.className = resp.ok ? 'status' : 'status error';
  status.textContent = resp.ok ? '' : `set_mode refused: ${text}`;
  refreshMode();
  return { status: resp.status, text };
};
$('set-mode').addEventListener('click', () => demo.setMode($('wire-dtype').value, $('wire-bits').value));

// ------------------------------------------------------------------ SAC overlay

const photo = $('photo');
const overlay = $('overlay');

function drawOverlay(sac) {
  const W = sac.width || photo.naturalWidth;
  const H = sac.height || photo.naturalHeight;
  if (sac.a.length !== W * H || sac.b.length !== W * H) {
    throw new Error(`SAC arrays hold ${sac.a.length} and ${sac.b.length} values, the image has ${W}x${H}`);
  }
  overlay.width = W;
  overlay.height = H;
  const octx = overlay.getContext('2d');
  const img = octx.createImageData(W, H);
  const mag = new Float64Array(W * H);
  let max = 0;
  for (let i = 0; i < mag.length; i++) {
    mag[i] = Math.hypot(sac.a[i], sac.b[i]);
    if (mag[i] > max) max = mag[i];
  }
  for (let i = 0; i < mag.length; i++) {
    const t = max > 0 ? mag[i] / max : 0;
    const [r, g, b] = hot(t);
    img.data.set([r, g, b, Math.round(255 * t)], i * 4);
  }
  octx.putImageData(img, 0, 0);
  return max;
}

async function showImage(name) {
  demo.overlay = 'loading';
  demo.overlayError = null;
  demo.sac = null;
  overlay.width = overlay.height = 0;
  $('sac-header').textContent = '';
  const status = $('sac-status');
  status.className = 'status';
  status.textContent = 'loading…';
  photo.src = `/i/${encodeURIComponent(name)}`;
  try {
    await photo.decode();
  } catch {
    status.className = 'status error';
    status.textContent = `image ${name} failed to load`;
    demo.overlay = 'none';
    demo.overlayError = 'image failed to load';
    return;
  }
  try {
    const resp = await fetch(`/i/${encodeURIComponent(name)}.sac`, { mode: 'cors' });
    if (!resp.ok) throw new Error(`SAC fetch failed: ${resp.status}`);
    const sac = parseSAC(await resp.arrayBuffer());
    const max = drawOverlay(sac);
    demo.sac = { width: sac.width, height: sac.height, lengthA: sac.lengthA, lengthB: sac.lengthB, max };
    demo.overlay = 'shown';
    status.textContent = `${name}.sac: ${sac.width}×${sac.height}, |(a, b)| up to ${max.toFixed(0)}`;
    $('sac-header').textContent = [
      `magic SAC1 · flags ${sac.flags} · dtype_code ${sac.dtypeCode} · arrays_count ${sac.arraysCount}`,
      `length_a ${sac.lengthA} · length_b ${sac.lengthB}`,
      `width ${sac.width} · height ${sac.height}`,
      '',
      `content-encoding: ${resp.headers.get('content-encoding') || 'identity'}`,
      `etag: ${resp.headers.get('etag')}`,
      `cache-control: ${resp.headers.get('cache-control')}`,
    ].join('\n');
  } catch (err) {
    // Graceful degrade: the image stays, without an overlay.
    overlay.width = overlay.height = 0;
    demo.overlay = 'none';
    demo.overlayError = err.message;
    status.textContent = `no overlay (${err.message}); showing the image alone`;
  }
}

$('show-overlay').addEventListener('change', (e) => {
  overlay.style.visibility = e.target.checked ? 'visible' : 'hidden';
});
$('image').addEventListener('change', (e) => showImage(e.target.value));

async function loadImages() {
  const list = await (await fetch('/api/images')).json();
  const select = $('image');
  for (const item of list) select.add(new Option(item.name, item.name));
  const wanted = params.get('image');
  const first = list.find((i) => i.name === wanted) ?? list[0];
  if (first) {
    select.value = first.name;
    await showImage(first.name);
  } else {
    $('sac-status').textContent = 'the image folder is empty';
    demo.overlay = 'none';
  }
}

/** Shows `bytes` as if they came on the live stream (used by the tests). */
demo.show = (bytes) => onFrame(bytes);
/** Draws a SAC file's overlay, returning its largest |(a, b)| (used by the tests). */
demo.overlayOf = (bytes) => drawOverlay(parseSAC(bytes));

// ------------------------------------------------------------------ HTTP stream

/** Reads /stream?n=N with readFrames and counts what arrives (used by the tests). */
demo.readStream = async (n = 12) => {
  const resp = await fetch(`/stream?n=${n}`);
  const counts = { sac: 0, vcbn: 0, offsets: [], bytes: 0 };
  for await (const frame of readFrames(resp.body)) {
    counts[frame.format]++;
    counts.offsets.push(frame.streamOffset);
    counts.bytes = frame.streamOffset + frame.byteLength;
  }
  demo.stream = counts;
  return counts;
};

// ------------------------------------------------------------------ start

const cm = params.get('colormap');
if (cm === 'gray' || cm === 'viridis') demo.colormap = cm;
$('colormap').value = demo.colormap;
connect();
refreshMode();
setInterval(refreshMode, 1000);
loadImages();
