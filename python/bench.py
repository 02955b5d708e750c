"""encode_data + pack_envelope: framewire against the NumPy reference, paired.

    python python/bench.py                    # from the repository root, with the package installed
    python python/bench.py --after-activity   # the calls after four kinds of caller activity

Each round times the NumPy reference and framewire back to back, in
alternating order (reference first in even rounds, framewire first in odd
ones), and takes their ratio; the figure is the median of the per-round
ratios, with the lowest and highest ratio as its spread. The same is done
for the reference against itself (a second reference call in each round),
which gives the noise floor: its median should be near 1.0 and its spread
shows how much a ratio moves on this machine. Every output is checked
against the reference's bytes first.

The "memory floor" line times what any implementation of the two calls
must do at the least, with no arithmetic: read the input once and write
two fresh results of the blob's and the envelope's sizes (on two threads,
as framewire does). Its ratio is the most that `encode_data` +
`pack_envelope` can gain over the reference on this machine; a fresh
result's pages are zeroed by the kernel on first touch, and at 4096x4096
that zeroing is most of the floor. The "memory floor + copy" line writes
the second result as a copy of the first, as `pack_envelope` must (it reads
the blob back): the least that the two calls as such must do.

With --after-activity it times something else: the median of 25 calls of
encode_data + pack_envelope at 4096x4096, each after one kind of caller
activity, because what the calling thread did just before decides where
the scheduler puts the call's helper threads and which CPU has freed pages
at hand:

- ref:   the NumPy reference encode of the same array (what the paired rounds do),
- sleep: 100 ms of sleep (a server waiting for its next frame),
- spin:  100 ms of busy Python on the calling thread,
- warm:  nothing (calls back to back).

Run it a few times: on a shared VM one run moves by a few milliseconds.
It prints one line per kind of activity and takes no other option.

Without it, prints one line per size and function; exits 1 when the 4096x4096 median
speed-up of encode_data + pack_envelope is below --min-speedup (default 0:
report only).
"""

import argparse
import os
import statistics
import sys
import threading
import time

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
# Python puts this script's folder first on sys.path, and that folder holds
# the package's sources (without the compiled extension): take it out, so
# that `import framewire` finds the installed package.
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
sys.path.insert(0, os.path.join(_HERE, "tests"))

import framewire as fw  # noqa: E402
import reference as ref  # noqa: E402


def clock(f):
    t = time.perf_counter()
    f()
    return time.perf_counter() - t


def memory_floor(flat, blob_len, envelope_len, copy=False):
    """Read `flat` once and write two fresh buffers, on two threads; with
    `copy`, the second is a copy of the first (as the envelope holds the
    blob), so the blob is read back too."""
    r1 = np.empty(blob_len, np.uint8)
    r2 = np.empty(envelope_len, np.uint8)

    def half(i):
        for a in (flat, r1, r2):
            h = len(a) // 2
            part = a[:h] if i == 0 else a[h:]
            if a is flat:
                part.max()
            elif a is r2 and copy:
                b = r1[: len(r1) // 2] if i == 0 else r1[len(r1) // 2 :]
                part[: len(b)] = b
                part[len(b) :].fill(1)
            else:
                part.fill(1)

    t = threading.Thread(target=half, args=(1,))
    t.start()
    half(0)
    t.join()


def paired(base, kernels, rounds):
    """Per-round ratios base/kernel for each kernel, and base/base (the noise floor).

    In each round the base runs twice (before and after the kernels; the
    kernels in between) and the order of the kernels alternates, so that a
    slow moment of the machine hits both sides of a ratio alike.
    """
    names = list(kernels)
    ratios = {name: [] for name in names + ["noise"]}
    times = {name: [] for name in names + ["reference"]}
    for r in range(rounds):
        order = names if r % 2 == 0 else names[::-1]
        if r % 2 == 0:
            t_base = clock(base)
            t_k = {name: clock(kernels[name]) for name in order}
            t_base2 = clock(base)
        else:
            t_base2 = clock(base)
            t_k = {name: clock(kernels[name]) for name in order}
            t_base = clock(base)
        for name in names:
            ratios[name].append(t_base / t_k[name])
            times[name].append(t_k[name])
        ratios["noise"].append(t_base / t_base2)
        times["reference"].append(t_base)
    return ratios, times


def after_activity():
    """The two calls at 4096x4096 after each kind of caller activity."""
    a = np.random.default_rng(1).random((4096, 4096), dtype=np.float32)

    def spin():
        end = time.perf_counter() + 0.1
        while time.perf_counter() < end:
            pass

    before = {
        "ref": lambda: ref.pack_envelope(*ref.encode_data(a, 0.0, 1.0)),
        "sleep": lambda: time.sleep(0.1),
        "spin": spin,
        "warm": lambda: None,
    }
    for name, pre in before.items():
        times = []
        for _ in range(25):
            pre()
            times.append(clock(lambda: fw.pack_envelope(*fw.encode_data(a, 0.0, 1.0))))
        print(f"after {name:5s}: {statistics.median(times) * 1e3:6.2f} ms (median of 25)")
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", default="1024,4096")
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--min-speedup", type=float, default=0.0)
    p.add_argument("--after-activity", action="store_true", help="time the calls after four kinds of caller activity")
    args = p.parse_args()
    if args.after_activity:
        return after_activity()
    rng = np.random.default_rng(1)
    speedup = {}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"numpy {np.__version__}, framewire {fw.__version__}, {os.cpu_count()} CPUs, "
        f"load average {load:.1f}, {args.rounds} paired rounds; "
        "ratio = median of per-round reference/framewire [lowest, highest]"
    )
    for n in map(int, args.sizes.split(",")):
        a = rng.random((n, n), dtype=np.float32)
        a[::97, ::89] = np.nan
        want = ref.pack_envelope(*ref.encode_data(a, 0.0, 1.0))
        assert fw.pack_envelope(*fw.encode_data(a, 0.0, 1.0)) == want
        assert fw.vcbn_bytes(a, 0.0, 1.0) == want
        kernels = {
            "encode_data+pack_envelope": lambda: fw.pack_envelope(*fw.encode_data(a, 0.0, 1.0)),
            "vcbn_bytes": lambda: fw.vcbn_bytes(a, 0.0, 1.0),
            "memory floor": lambda: memory_floor(a.reshape(-1), n * n * 2, len(want)),
            "memory floor + copy": lambda: memory_floor(a.reshape(-1), n * n * 2, len(want), True),
        }
        ratios, times = paired(lambda: ref.pack_envelope(*ref.encode_data(a, 0.0, 1.0)), kernels, args.rounds)
        med = {k: statistics.median(v) for k, v in ratios.items()}
        speedup[n] = med["encode_data+pack_envelope"]
        print(f"{n}x{n} f32 -> uint16: reference {statistics.median(times['reference']) * 1e3:8.2f} ms (median)")
        for name in kernels:
            r = ratios[name]
            print(
                f"  {name:26s} {statistics.median(times[name]) * 1e3:8.2f} ms  "
                f"{med[name]:5.1f}x [{min(r):5.1f}, {max(r):5.1f}]"
            )
        r = ratios["noise"]
        print(f"  {'noise (reference/itself)':26s} {'':8s}     {med['noise']:5.2f}x [{min(r):5.2f}, {max(r):5.2f}]")
        dec = [clock(lambda: [fw.blob_to_ndarray(*fw.unpack_envelope(want)) for _ in range(1000)]) / 1000 for _ in range(5)]
        print(f"  unpack_envelope+blob_to_ndarray {statistics.median(dec) * 1e6:6.1f} us (median of 5 x 1000 calls)")
    big = speedup.get(4096)
    if big is not None and big < args.min_speedup:
        print(f"4096x4096 speed-up {big:.1f}x is below {args.min_speedup}x")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
