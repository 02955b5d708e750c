#!/usr/bin/env python3
"""NumPy's encode (docs/FORMATS.md §4, the reference code in docs/FORMATS.md) side by side with framewire's
kernels on the same array, in the same run.

Makes a SIDE x SIDE float32 array (uniform over vmin..vmax and 10% past each
end, about 1 in 64 samples NaN), writes it to a raw file, and alternates
rounds of

  * NumPy: `a = np.asarray(x, np.float32); scaled = (a - vmin) * (res / denom);
    scaled[~np.isfinite(scaled)] = 0; np.clip(scaled, 0, res).astype(dtype)`,
    timed in-process with perf_counter_ns, and
  * each framewire build given with --bin (examples/quantize_bench.rs), which
    times quantize_u16, quantize_u8 and a memcpy of the input bytes internally
    (file I/O outside the timed region),

then prints one table of medians and checks that framewire's levels equal
NumPy's, bit for bit.

    python3 benches/numpy_vs_framewire.py --bin default=target/release/examples/quantize_bench

Needs only python3 and numpy.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

VMIN, VMAX = -1.0, 3.0


def encode_numpy(data, vmin, vmax, dtype):
    """The reference encode_data quantization (docs/FORMATS.md §4), without the envelope."""
    a = np.asarray(data, dtype=np.float32)
    resolution = 255 if dtype == "uint8" else 4096
    denom = float(vmax) - float(vmin)
    with np.errstate(all="ignore"):
        if not np.isfinite(denom) or denom <= 0:
            return np.zeros(a.shape, dtype=dtype)
        scaled = (a - vmin) * (resolution / denom)
        scaled[~np.isfinite(scaled)] = 0
        return np.clip(scaled, 0, resolution).astype(dtype)


def make_array(side, seed=20261123):
    rng = np.random.default_rng(seed)
    span = VMAX - VMIN
    a = rng.uniform(VMIN - 0.1 * span, VMAX + 0.1 * span, (side, side)).astype(np.float32)
    a[rng.random((side, side)) < 1 / 64] = np.nan
    return a


def time_numpy(a, dtype, runs):
    out = []
    for _ in range(runs):
        t = time.perf_counter_ns()
        q = encode_numpy(a, VMIN, VMAX, dtype)
        out.append(time.perf_counter_ns() - t)
        del q
    return out


def run_bin(path, raw, runs, out16=None, out8=None):
    cmd = [path, raw, repr(VMIN), repr(VMAX), str(runs)]
    if out16:
        cmd += [out16, out8]
    res = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(res.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", action="append", required=True, metavar="LABEL=PATH",
                    help="a quantize_bench binary and its label (repeatable)")
    ap.add_argument("--side", type=int, default=4096)
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per round and tool")
    ap.add_argument("--json", help="also write the medians here")
    args = ap.parse_args()
    bins = []
    for spec in args.bin:
        label, sep, path = spec.partition("=")
        if not sep:
            ap.error(f"--bin wants LABEL=PATH, got {spec!r}")
        bins.append((label, path))

    a = make_array(args.side)
    want = {"uint16": encode_numpy(a, VMIN, VMAX, "uint16"),
            "uint8": encode_numpy(a, VMIN, VMAX, "uint8")}
    np_times = {"uint16": [], "uint8": []}
    fw_times = {label: {"quantize_u16_ns": [], "quantize_u8_ns": [], "memcpy_input_ns": []}
                for label, _ in bins}

    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "x.f32")
        a.astype("<f4").tofile(raw)
        # Bit-exactness first (untimed): each build's levels against NumPy's.
        for label, path in bins:
            o16, o8 = os.path.join(tmp, "q16"), os.path.join(tmp, "q8")
            run_bin(path, raw, 1, o16, o8)
            got16 = np.fromfile(o16, dtype="<u2").reshape(a.shape)
            got8 = np.fromfile(o8, dtype="u1").reshape(a.shape)
            if not (np.array_equal(got16, want["uint16"]) and np.array_equal(got8, want["uint8"])):
                sys.exit(f"{label}: framewire's levels differ from NumPy's")
        for _ in range(args.rounds):
            for dtype in np_times:
                np_times[dtype] += time_numpy(a, dtype, args.runs)
            for label, path in bins:
                # The binary reports medians of its own runs; keep each round's.
                r = run_bin(path, raw, args.runs)
                for k in fw_times[label]:
                    fw_times[label][k].append(r[k])

    med = statistics.median
    np_med = {d: med(v) for d, v in np_times.items()}
    result = {"side": args.side, "samples": a.size, "numpy_version": np.__version__,
              "numpy_uint16_ns": np_med["uint16"], "numpy_uint8_ns": np_med["uint8"],
              "builds": {}}
    ms = lambda ns: f"{ns / 1e6:.2f} ms"
    print(f"NumPy {np.__version__} encode (docs/FORMATS.md §4) vs framewire, {args.side}x{args.side} float32, "
          f"vmin={VMIN} vmax={VMAX}, ~1/64 NaN; medians of {args.rounds}x{args.runs} runs; "
          f"levels identical to NumPy's.")
    print()
    print("| build | dtype | NumPy | framewire | framewire vs NumPy | memcpy of input | framewire vs memcpy |")
    print("|---|---|---|---|---|---|---|")
    for label, _ in bins:
        t = {k: med(v) for k, v in fw_times[label].items()}
        result["builds"][label] = t
        for dtype, key in (("uint16", "quantize_u16_ns"), ("uint8", "quantize_u8_ns")):
            print(f"| {label} | {dtype} | {ms(np_med[dtype])} | {ms(t[key])} | "
                  f"{np_med[dtype] / t[key]:.1f}x faster | {ms(t['memcpy_input_ns'])} | "
                  f"{t['memcpy_input_ns'] / t[key]:.2f}x its speed |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
