// Shared helpers of the browser tests: the Rust side (the `framewire` CLI),
// .npy reading, the golden vectors, and the truth a JS decode is compared to.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '../..');
export const moduleUrl = new URL('../../examples/demo/static/framewire.js', import.meta.url);

/** The `framewire` binary ($FRAMEWIRE_BIN, else the release build). */
export function framewireBin() {
  const bin = process.env.FRAMEWIRE_BIN ??
    path.join(process.env.CARGO_TARGET_DIR ?? path.join(repo, 'target'), 'release', 'framewire');
  if (!fs.existsSync(bin)) {
    throw new Error(`${bin} not found: build it (cargo build --release --features cli) or set FRAMEWIRE_BIN`);
  }
  return bin;
}

/** Runs the CLI; returns { status, stdout, stderr }. */
export function cli(...args) {
  const r = spawnSync(framewireBin(), args, { encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function tempDir(prefix = 'fw-browser-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Every golden vector: tests/golden/sample.sac, sac/*.sac, vcbn/*.vcbn. */
export function goldenFiles() {
  const g = path.join(repo, 'tests', 'golden');
  const list = (dir, ext) => fs.readdirSync(path.join(g, dir)).filter((f) => f.endsWith(ext)).sort()
    .map((f) => path.join(g, dir, f));
  return [path.join(g, 'sample.sac'), ...list('sac', '.sac'), ...list('vcbn', '.vcbn')];
}

/** A .npy file: { descr, fortran, shape, data } with data a typed array. */
export function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.subarray(0, 6).toString('latin1') !== '\x93NUMPY') throw new Error(`${file}: not .npy`);
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.subarray(start, start + hlen).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const body = buf.subarray(start + hlen);
  const copy = new Uint8Array(body); // aligned
  const types = { '|u1': Uint8Array, '<u2': Uint16Array, '<i2': Int16Array, '<f4': Float32Array };
  const T = types[descr];
  if (!T) throw new Error(`${file}: unexpected dtype ${descr}`);
  return { descr, fortran, shape, data: new T(copy.buffer, 0, copy.length / T.BYTES_PER_ELEMENT) };
}

/** What the Rust decoder says about a file: { ok: false, message } or { ok: true, info, raw, arrays }. */
export function rustTruth(file) {
  const r = cli('inspect', file);
  if (r.status !== 0) {
    const prefix = `framewire: ${file}: `;
    const line = r.stderr.trimEnd();
    if (r.status !== 1 || !line.startsWith(prefix) || line.includes('\n')) {
      throw new Error(`unexpected inspect failure for ${file}: status ${r.status}, stderr ${JSON.stringify(r.stderr)}`);
    }
    return { ok: false, message: line.slice(prefix.length) };
  }
  const info = JSON.parse(r.stdout);
  // Exact shape digits (JSON.parse would round dimensions past 2^53).
  const shapeText = /"shape":\[(\d+),(\d+)\]/.exec(r.stdout);
  const out = tempDir('fw-decode-');
  try {
    const d = cli('decode', file, '--out', out, ...(info.format === 'vcbn' ? ['--dequantize'] : []));
    if (d.status !== 0) throw new Error(`decode failed for ${file}: ${d.stderr}`);
    const arrays = {};
    for (const f of fs.readdirSync(out)) arrays[f.replace('.npy', '')] = readNpy(path.join(out, f));
    return { ok: true, info, shape: shapeText ? [shapeText[1], shapeText[2]] : null, arrays };
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** A float from `framewire inspect` (a number, or "NaN"/"Infinity"/"-Infinity"). */
export function inspectFloat(v) {
  return typeof v === 'string' ? Number(v) : v;
}

/** Same float32 bits, or both NaN (NaN payloads may differ between engines). */
export function sameF32(x, y) {
  if (Number.isNaN(x) && Number.isNaN(y)) return true;
  return Object.is(Math.fround(x), Math.fround(y));
}

/**
 * Differences between a JS decode (a plain summary, see `summarize`) and the
 * Rust truth; an empty list when they agree.
 */
export function compare(js, truth) {
  const diffs = [];
  const eq = (what, a, b) => { if (!Object.is(a, b)) diffs.push(`${what}: js ${String(a)} vs rust ${String(b)}`); };
  if (!truth.ok || !js.ok) {
    eq('ok', js.ok, truth.ok);
    if (!js.ok && !truth.ok) eq('message', js.message, truth.message);
    return diffs;
  }
  const i = truth.info;
  eq('format', js.format, i.format);
  if (i.format === 'sac') {
    for (const [k, jk] of [['flags', 'flags'], ['dtype_code', 'dtypeCode'], ['arrays_count', 'arraysCount'],
      ['reserved', 'reserved'], ['length_a', 'lengthA'], ['length_b', 'lengthB'], ['width', 'width'], ['height', 'height']]) {
      eq(k, js[jk], i[k]);
    }
    for (const part of ['a', 'b']) {
      const want = truth.arrays[part].data;
      const got = js[part];
      eq(`${part}.length`, got.length, want.length);
      const bad = want.findIndex((v, k) => v !== got[k]);
      if (bad >= 0) diffs.push(`${part}[${bad}]: js ${got[bad]} vs rust ${want[bad]}`);
    }
    return diffs;
  }
  for (const k of ['magic', 'version', 'dtype', 'endianness', 'order', 'resolution']) eq(k, js[k], i[k]);
  eq('shape', js.shape.join(','), truth.shape.join(','));
  eq('vmin', js.vmin, inspectFloat(i.vmin));
  eq('vmax', js.vmax, inspectFloat(i.vmax));
  const levels = truth.arrays.data.data;
  eq('levels.length', js.levels.length, levels.length);
  const badLevel = levels.findIndex((v, k) => v !== js.levels[k]);
  if (badLevel >= 0) diffs.push(`levels[${badLevel}]: js ${js.levels[badLevel]} vs rust ${levels[badLevel]}`);
  const values = truth.arrays.values.data;
  eq('values.length', js.values.length, values.length);
  const badValue = values.findIndex((v, k) => !sameF32(v, js.values[k]));
  if (badValue >= 0) diffs.push(`values[${badValue}]: js ${js.values[badValue]} vs rust ${values[badValue]}`);
  return diffs;
}

/**
 * A plain, comparable summary of what framewire.js makes of `bytes` (runs
 * in Node and, serialized, in the browser: keep it free of imports).
 */
export function summarize(fw, bytes) {
  try {
    const f = fw.parseFrame(bytes);
    if (f.format === 'sac') {
      return {
        ok: true, format: 'sac', flags: f.flags, dtypeCode: f.dtypeCode, arraysCount: f.arraysCount,
        reserved: f.reserved, lengthA: f.lengthA, lengthB: f.lengthB, width: f.width, height: f.height,
        a: Array.from(f.a), b: Array.from(f.b),
      };
    }
    const h = f.header;
    if (f.format === 'imgpack') {
      return {
        ok: true, format: 'imgpack', dtype: h.dtype, bits: h.bits, endianness: h.endianness,
        shape: h.shape.map(String), order: h.order, version: h.version, size: h.size, resolution: h.resolution,
        vmin: h.vmin, vmax: h.vmax, headerLen: f.headerLen, padLen: f.padLen, blobOffset: f.blobOffset,
        json: f.json, dataType: f.data.constructor.name, levels: f.levels === null ? null : Array.from(f.levels),
        data: Array.from(f.data), values: Array.from(fw.dequantize(f)),
      };
    }
    return {
      ok: true, format: 'vcbn', magic: f.magic, version: f.version, dtype: h.dtype, endianness: h.endianness,
      order: h.order, resolution: h.resolution, shape: h.shape.map(String),
      vmin: h.vmin, vmax: h.vmax, levels: Array.from(f.levels), values: Array.from(fw.dequantize(f)),
    };
  } catch (err) {
    return { ok: false, isError: err instanceof Error, name: err.name, message: err.message };
  }
}

/** Writes a C-order .npy file (`descr` such as '<f8', '<f4', '<c8'). */
export function writeNpy(file, descr, shape, bytes) {
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  let header = dict;
  while ((10 + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = Buffer.concat([pre, Buffer.from(header, 'latin1'), data]);
  if (file) fs.writeFileSync(file, out);
  return out;
}

// ------------------------------------------------------------------ imgpack

/** The Rust side of the imgpack comparisons: the demo package's `imgpack_truth` example. */
export function imgpackTruthBin() {
  const bin = process.env.IMGPACK_TRUTH_BIN ??
    path.join(process.env.CARGO_TARGET_DIR ?? path.join(repo, 'target'), 'release', 'examples', 'imgpack_truth');
  if (!fs.existsSync(bin)) {
    throw new Error(`${bin} not found: build it (cargo build --release -p framewire-demo --example imgpack_truth) or set IMGPACK_TRUTH_BIN`);
  }
  return bin;
}

/** A float as the truth writes it: a number, or "NaN" / "Infinity" / "-Infinity". */
const truthFloat = (v) => (typeof v === 'string' ? Number(v) : v);

/** What the Rust decoder says of each file: [{ ok: false, message } | { ok: true, ... }]. */
export function imgpackTruth(files) {
  const out = [];
  // In batches, to keep each command line short.
  for (let i = 0; i < files.length; i += 200) {
    const batch = files.slice(i, i + 200);
    const r = spawnSync(imgpackTruthBin(), batch, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`imgpack_truth failed: ${r.stderr}`);
    const lines = r.stdout.trimEnd().split('\n');
    if (lines.length !== batch.length) throw new Error(`imgpack_truth: ${lines.length} lines for ${batch.length} files`);
    out.push(...lines.map((l) => JSON.parse(l)));
  }
  return out;
}

/** Same value, NaN equal to NaN (payloads may differ), -0 told from 0. */
const same = (a, b) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

/** Differences between summarize() of an imgpack message and its Rust truth. */
export function compareImgpack(js, truth) {
  const diffs = [];
  const eq = (what, a, b) => { if (!same(a, b)) diffs.push(`${what}: js ${String(a)} vs rust ${String(b)}`); };
  eq('ok', js.ok, truth.ok);
  if (!js.ok || !truth.ok) {
    if (!js.ok && !truth.ok) eq('message', js.message, truth.message);
    else diffs.push(js.ok ? `js accepted, rust: ${truth.message}` : `js: ${js.message}`);
    return diffs;
  }
  eq('format', js.format, truth.format);
  for (const k of ['dtype', 'bits', 'endianness', 'order', 'version', 'resolution', 'headerLen', 'padLen', 'blobOffset', 'json']) {
    eq(k, js[k], truth[k]);
  }
  eq('size', js.size, truth.size === null ? null : truthFloat(truth.size));
  eq('vmin', js.vmin, truthFloat(truth.vmin));
  eq('vmax', js.vmax, truthFloat(truth.vmax));
  eq('shape', js.shape.join(','), truth.shape.join(','));
  for (const k of ['data', 'values']) {
    const want = truth[k].map(truthFloat);
    eq(`${k}.length`, js[k].length, want.length);
    const bad = want.findIndex((v, i) => !same(js[k][i], v));
    if (bad >= 0) diffs.push(`${k}[${bad}]: js ${js[k][bad]} vs rust ${want[bad]}`);
  }
  return diffs;
}

/** tests/interop/imgpack/manifest.json (Python's json: bare NaN / Infinity as numbers). */
export function imgpackManifest() {
  const dir = path.join(repo, 'tests', 'interop', 'imgpack');
  const text = fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8');
  // The bare words occur only as values here (no string holds them).
  const entries = JSON.parse(text.replace(/-Infinity|Infinity|NaN/g, (w) => `"${w}"`));
  return entries.map((e) => ({ ...e, path: path.join(dir, e.file), values: e.values.map(truthFloat) }));
}

/** The typed array imgpack's decoder returns for a manifest dtype (float16 widened to float32). */
export const IMGPACK_ARRAY_TYPES = {
  uint8: 'Uint8Array', uint16: 'Uint16Array', uint32: 'Uint32Array',
  float16: 'Float32Array', float32: 'Float32Array', float64: 'Float64Array',
};

/** Differences between summarize() of a manifest file and the manifest's decoded array. */
export function compareManifest(js, entry) {
  if (!js.ok) return [`rejected: ${js.message}`];
  const diffs = [];
  const p = entry.params;
  if (js.format !== 'imgpack') diffs.push(`format ${js.format}`);
  if (js.dtype !== p.dtype) diffs.push(`dtype ${js.dtype} vs ${p.dtype}`);
  if (p.bits !== undefined && js.bits !== p.bits) diffs.push(`bits ${js.bits} vs ${p.bits}`);
  const order = p.dtype === 'packed' ? null : p.endianness;
  if (js.endianness !== order) diffs.push(`endianness ${js.endianness} vs ${order}`);
  if (js.shape.join(',') !== entry.shape.join(',')) diffs.push(`shape ${js.shape} vs ${entry.shape}`);
  if (js.dataType !== IMGPACK_ARRAY_TYPES[entry.dtype]) diffs.push(`array ${js.dataType} for ${entry.dtype}`);
  if (js.data.length !== entry.values.length) diffs.push(`length ${js.data.length} vs ${entry.values.length}`);
  const bad = entry.values.findIndex((v, i) => !same(js.data[i], v));
  if (bad >= 0) diffs.push(`[${bad}]: js ${js.data[bad]} vs manifest ${entry.values[bad]}`);
  return diffs;
}
