"""No reference leaks: a million small calls keep the inputs' refcounts and the RSS flat."""

import gc
import sys

import numpy as np

import framewire as fw


def rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def test_million_small_calls():
    a = np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4)
    ia, ib = np.arange(6, dtype=np.int16), np.arange(6, dtype=np.int16)
    env = fw.encode_vcbn(a, 0.0, 1.0)
    sac = fw.build_sac(ia, ib, 3, 2)
    bad = sac[:-1]
    msg = fw.encode(a, 0.0, 1.0, "packed", 5)
    dec = fw.Decoder()

    def round_(n):
        for _ in range(n):
            blob, header = fw.encode_data(a, 0.0, 1.0)
            fw.pack_envelope(blob, header)
            fw.encode_vcbn(a, 0.0, 1.0)
            h, b = fw.unpack_envelope(env)
            fw.blob_to_ndarray(h, b)
            fw.build_sac(ia, ib, 3, 2)
            fw.parse_sac(sac)
            dec.feed(env)
            try:
                fw.parse_sac(bad)
            except fw.Truncated:
                pass
            fw.quantize(a, 0.0, 1.0)
            fw.encode(a, 0.0, 1.0, "uint16", 12)
            fw.decode(msg)
            try:
                fw.decode(msg[:-1])
            except fw.Truncated:
                pass

    round_(10_000)  # warm up caches and allocator pools
    gc.collect()
    refs = [sys.getrefcount(x) for x in (a, ia, ib, env, sac, bad, msg, dec)]
    before = rss_kib()
    round_(100_000)  # 13 calls each: 1.3 million calls
    gc.collect()
    after = rss_kib()
    assert [sys.getrefcount(x) for x in (a, ia, ib, env, sac, bad, msg, dec)] == refs
    # A leaked result or exception per call would be >= 100 MB here.
    assert after - before < 16 * 1024, (before, after)
