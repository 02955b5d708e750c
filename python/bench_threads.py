"""encode_data + pack_envelope at 4096x4096 after four kinds of caller activity.

    python python/bench_threads.py         # from the repository root, with the package installed

How a call that splits its work across threads fares depends on what the
calling thread did just before, because that decides where the scheduler
puts the new threads: the median time of 25 calls, each after

- ref:   the NumPy reference encode of the same array (what python/bench.py does),
- sleep: 100 ms of sleep (a server waiting for its next frame),
- spin:  100 ms of busy Python on the calling thread,
- warm:  nothing (calls back to back).

Run it a few times: on a shared VM one run moves by a few milliseconds.
"""

import os
import statistics
import sys
import time

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
sys.path.insert(0, os.path.join(_HERE, "tests"))

import framewire as fw  # noqa: E402
import reference as ref  # noqa: E402


def main():
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
            t = time.perf_counter()
            fw.pack_envelope(*fw.encode_data(a, 0.0, 1.0))
            times.append(time.perf_counter() - t)
        print(f"after {name:5s}: {statistics.median(times) * 1e3:6.2f} ms (median of 25)")


if __name__ == "__main__":
    main()
