#!/usr/bin/env python3
"""Turns criterion's results (and benches/numpy_vs_framewire.py's JSON) into
the README's performance tables: medians, and each kernel's speed as a ratio
to the baselines measured in the same run.

    python3 benches/report.py [--since EPOCH] [--numpy FILE.json] LABEL=CRITERION_DIR ...

LABEL names a build (say `default` and `native`), CRITERION_DIR is its
`target/criterion`. With --since, results older than that time (left over
from an earlier run) are left out, so they show as "—". Needs only python3.
"""

import argparse
import json
import os
import sys

SIZES = ["64x64", "1024x1024", "4096x4096"]
BIG = "4096x4096"

# Kernel groups: (group, baseline function, what the ratio means).
KERNELS = [
    ("quantize_u16", "memcpy_input"),
    ("quantize_u8", "memcpy_input"),
    ("quantize_f64_u16", "memcpy_input"),
    ("quantize_complex_u16", "memcpy_input"),
    ("dequantize_u16", "memcpy_input"),
    ("vcbn_encode_u16", "memcpy_input"),
    ("vcbn_dequantize", "memcpy_payload"),
    ("sac_encode", "memcpy_payload"),
    ("sac_copy_out", "memcpy_payload"),
]
VIEWS = ["sac_decode_view", "vcbn_decode_view"]
# benches/stream.rs: one size (8 frames of 1 MiB), no size parameter.
STREAM = "stream_decode_1MiB_frames"


def load(root, since):
    """{(group, function, size): (median_ns, bytes)} for one criterion dir."""
    out = {}
    stale = []
    for dirpath, _dirs, files in os.walk(root):
        if os.path.basename(dirpath) != "new" or "benchmark.json" not in files:
            continue
        est_path = os.path.join(dirpath, "estimates.json")
        if not os.path.exists(est_path):
            continue
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            bench = json.load(f)
        with open(est_path) as f:
            est = json.load(f)
        key = (bench["group_id"], bench["function_id"], bench["value_str"])
        if since is not None and os.path.getmtime(est_path) < since:
            stale.append("/".join(key))
            continue
        nbytes = (bench.get("throughput") or {}).get("Bytes")
        out[key] = (est["median"]["point_estimate"], nbytes)
    return out, stale


def fmt_time(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns:.0f} ns"


def gibs(m):
    """Throughput of one (median_ns, bytes) result, as text."""
    return "—" if not m or not m[1] else f"{m[1] / (m[0] / 1e9) / 2**30:.1f} GiB/s"


def ratio(builds, label, group, base, size=BIG):
    """Speed of framewire relative to `base`: t(base) / t(framewire)."""
    r = builds[label]
    fw, b = r.get((group, "framewire", size)), r.get((group, base, size))
    if not fw or not b:
        return None
    return b[0] / fw[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dirs", nargs="+", metavar="LABEL=CRITERION_DIR")
    ap.add_argument("--since", type=float, help="refuse results older than this (epoch seconds)")
    ap.add_argument("--numpy", help="JSON written by numpy_vs_framewire.py --json")
    args = ap.parse_args()

    builds, labels = {}, []
    for spec in args.dirs:
        label, sep, root = spec.partition("=")
        if not sep:
            ap.error(f"want LABEL=CRITERION_DIR, got {spec!r}")
        res, stale = load(root, args.since)
        if stale:
            print(f"report.py: {label}: left out {len(stale)} results older than --since, "
                  f"e.g. {stale[0]}", file=sys.stderr)
        if not res:
            sys.exit(f"{label}: no criterion results under {root}")
        builds[label] = res
        labels.append(label)
    np_res = None
    if args.numpy:
        with open(args.numpy) as f:
            np_res = json.load(f)

    def cell(x, fmt="{:.2f}×"):
        return "—" if x is None else fmt.format(x)

    # -- The targets ------------------------------------------------------
    print("#### Targets (4096×4096, medians, ratios measured in the same run)")
    print()
    print("| what | target | " + " | ".join(f"`{l}` build" for l in labels) + " |")
    print("|---|---|" + "---|" * len(labels))
    rows = [
        ("`quantize_u16` speed vs memcpy of its input", "≥ 1.0×",
         lambda l: cell(ratio(builds, l, "quantize_u16", "memcpy_input"))),
        ("`quantize_u8` speed vs memcpy of its input", "≥ 1.0×",
         lambda l: cell(ratio(builds, l, "quantize_u8", "memcpy_input"))),
    ]
    if np_res:
        for dt, key in (("u16", "quantize_u16_ns"), ("u8", "quantize_u8_ns")):
            rows.append((f"`quantize_{dt}` speed vs NumPy's encode ({np_res['side']}²)", "≥ 15×",
                         lambda l, dt=dt, key=key: cell(
                             np_res[f"numpy_uint{dt[1:]}_ns"] / np_res["builds"][l][key]
                             if l in np_res["builds"] else None, "{:.1f}×")))
    rows.append(("SAC encode speed vs memcpy of the payload", "≥ 0.8×",
                 lambda l: cell(ratio(builds, l, "sac_encode", "memcpy_payload"))))
    for g, name in (("sac_decode_view", "SAC"), ("vcbn_decode_view", "VCBN")):
        def views(l, g=g):
            t = [builds[l].get((g, "framewire", s)) for s in SIZES]
            if not all(t):
                return "—"
            return " / ".join(fmt_time(x[0]) for x in t) + f" (4096² ÷ 64²: {t[2][0] / t[0][0]:.2f})"
        rows.append((f"{name} decode to a view, at 64² / 1024² / 4096²", "constant time", views))
    def stream_ratio(l):
        r = builds[l]
        w = r.get((STREAM, "whole", None))
        c = r.get((STREAM, "chunks_1500", None))
        if not w or not c:
            return "—"
        return f"{w[0] / c[0]:.2f}× ({gibs(c)} chunked, {gibs(w)} whole)"
    rows.append(("stream decoder, 1 MiB frames fed in 1500-byte chunks vs fed whole",
                 "≥ 0.80×", stream_ratio))
    for what, target, f in rows:
        print(f"| {what} | {target} | " + " | ".join(f(l) for l in labels) + " |")
    print()

    # -- Every group, every size ------------------------------------------
    for l in labels:
        r = builds[l]
        print(f"#### All kernels, `{l}` build")
        print()
        print("| group | size | framewire | throughput | vs memcpy baseline | vs naive loop |")
        print("|---|---|---|---|---|---|")
        for group, base in KERNELS:
            for size in SIZES:
                fw = r.get((group, "framewire", size))
                if not fw:
                    continue
                gib = (fw[1] / (fw[0] / 1e9) / 2**30) if fw[1] else None
                naive = r.get((group, "naive_iter", size))
                print(f"| {group} | {size} | {fmt_time(fw[0])} | {cell(gib, '{:.1f} GiB/s')} | "
                      f"{cell(ratio(builds, l, group, base, size))} | "
                      f"{cell(naive[0] / fw[0] if naive else None)} |")
        for group in VIEWS:
            for size in SIZES:
                fw = r.get((group, "framewire", size))
                base = r.get((group, "memcpy_payload", size))
                if fw:
                    x = base[0] / fw[0] if base else None
                    print(f"| {group} | {size} | {fmt_time(fw[0])} | (a view: no bytes copied) | "
                          f"{cell(x, '{:.2f}×' if x is not None and x < 10 else '{:.0f}×')} | — |")
        print()

    # -- NumPy side by side -------------------------------------------------
    if np_res:
        side = np_res["side"]
        print(f"#### NumPy {np_res['numpy_version']} vs framewire on the same {side}×{side} float32 array")
        print()
        print("| build | dtype | NumPy encode | framewire | vs NumPy | memcpy of input | vs memcpy |")
        print("|---|---|---|---|---|---|---|")
        for l, t in np_res["builds"].items():
            for dt, key in (("uint16", "quantize_u16_ns"), ("uint8", "quantize_u8_ns")):
                n = np_res[f"numpy_{dt}_ns"]
                print(f"| {l} | {dt} | {fmt_time(n)} | {fmt_time(t[key])} | {n / t[key]:.1f}× | "
                      f"{fmt_time(t['memcpy_input_ns'])} | {t['memcpy_input_ns'] / t[key]:.2f}× |")
        print()


if __name__ == "__main__":
    main()
