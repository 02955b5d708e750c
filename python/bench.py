"""encode_data + pack_envelope: framewire against the NumPy reference; decode time vs size.

    python python/bench.py            # from the repository root, with the package installed

Prints one line per size; exits 1 when the 4096x4096 speed-up is below
--min-speedup (default 0: report only).
"""

import argparse
import os
import sys
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


def best(f, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", default="1024,4096")
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--min-speedup", type=float, default=0.0)
    args = p.parse_args()
    rng = np.random.default_rng(1)
    speedup = {}
    print(f"numpy {np.__version__}, framewire {fw.__version__}, {os.cpu_count()} CPUs, best of {args.repeat}")
    for n in map(int, args.sizes.split(",")):
        a = rng.random((n, n), dtype=np.float32)
        a[::97, ::89] = np.nan
        want = ref.pack_envelope(*ref.encode_data(a, 0.0, 1.0))
        assert fw.pack_envelope(*fw.encode_data(a, 0.0, 1.0)) == want
        t_ref = best(lambda: ref.pack_envelope(*ref.encode_data(a, 0.0, 1.0)), args.repeat)
        t_fw = best(lambda: fw.pack_envelope(*fw.encode_data(a, 0.0, 1.0)), args.repeat)
        t_one = best(lambda: fw.vcbn_bytes(a, 0.0, 1.0), args.repeat)
        t_dec = best(lambda: [fw.blob_to_ndarray(*fw.unpack_envelope(want)) for _ in range(1000)], args.repeat) / 1000
        speedup[n] = t_ref / t_fw
        print(
            f"{n}x{n} f32 -> uint16: reference {t_ref * 1e3:8.2f} ms | encode_data+pack_envelope {t_fw * 1e3:7.2f} ms "
            f"({t_ref / t_fw:5.1f}x) | vcbn_bytes {t_one * 1e3:7.2f} ms ({t_ref / t_one:5.1f}x) | "
            f"unpack_envelope+blob_to_ndarray {t_dec * 1e6:6.1f} us"
        )
    big = speedup.get(4096)
    if big is not None and big < args.min_speedup:
        print(f"4096x4096 speed-up {big:.1f}x is below {args.min_speedup}x")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
