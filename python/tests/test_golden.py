"""framewire's golden vectors (tests/golden/, made by NumPy) and imgpack's own envelopes."""

import json
import os
import struct

import numpy as np
import pytest

import framewire as fw

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "..", "tests", "golden")
IMGPACK = os.path.join(HERE, "data", "imgpack")


def read(*p):
    with open(os.path.join(*p), "rb") as f:
        return f.read()


def f64(bits):
    return struct.unpack("<d", struct.pack("<Q", int(bits, 16)))[0]


VCBN_CASES = json.load(open(os.path.join(GOLDEN, "vcbn", "cases.json")))


@pytest.mark.parametrize("case", [c for c in VCBN_CASES if os.path.exists(os.path.join(GOLDEN, "vcbn", c["name"] + ".vcbn"))], ids=lambda c: c["name"])
def test_vcbn_golden(case):
    want = read(GOLDEN, "vcbn", case["name"] + ".vcbn")
    raw = read(GOLDEN, "vcbn", case["name"] + ".in")
    data = np.frombuffer(raw, dtype="<f4" if case["kind"] == "f32" else "<f8").reshape(case["shape"])
    vmin, vmax = f64(case["vmin"]), f64(case["vmax"])
    magic = case.get("magic", "VCBN").encode()
    assert fw.vcbn_bytes(data, vmin, vmax, case["dtype"], magic) == want
    assert fw.pack_envelope(*fw.encode_data(data, vmin, vmax, case["dtype"]), magic=magic) == want
    if magic == b"VCBN":
        assert fw.encode_vcbn(data, vmin, vmax, case["dtype"]) == want
    header, blob = fw.unpack_envelope(want)
    levels = fw.blob_to_ndarray(header, blob)
    assert np.array_equal(levels, fw.quantize(data, vmin, vmax, case["dtype"]))
    assert not levels.flags.writeable


SAC_CASES = json.load(open(os.path.join(GOLDEN, "sac", "cases.json")))


@pytest.mark.parametrize("case", SAC_CASES, ids=lambda c: c["name"])
def test_sac_golden(case):
    want = read(GOLDEN, "sac", case["name"] + ".sac")
    a = np.frombuffer(read(GOLDEN, "sac", case["name"] + ".a.i16"), "<i2")
    b = np.frombuffer(read(GOLDEN, "sac", case["name"] + ".b.i16"), "<i2")
    assert fw.build_sac(a, b, case["width"], case["height"]) == want
    s = fw.parse_sac(want)
    assert (s.width, s.height, s.flags) == (case["width"], case["height"], 0)
    assert np.array_equal(s.a, a) and np.array_equal(s.b, b)


def test_sample_sac():
    ax = np.array([[0, 1, -1], [2, -2, 3]], dtype=np.int16)
    ay = np.array([[5, -5, 4], [-4, 0, 1]], dtype=np.int16)
    assert fw.build_sac(ax.ravel(), ay.ravel(), width=3, height=2) == read(GOLDEN, "sample.sac")


MANIFEST = json.load(open(os.path.join(IMGPACK, "manifest.json")))


@pytest.mark.parametrize("entry", MANIFEST, ids=lambda e: e["file"])
def test_imgpack_envelopes(entry):
    """CBIN and IMPK envelopes written by imgpack's own Python: decoded, and made again byte for byte."""
    buf = read(IMGPACK, entry["file"])
    header, blob = fw.unpack_envelope(buf)
    levels = fw.blob_to_ndarray(header, blob)
    assert str(levels.dtype) == entry["dtype"] and list(levels.shape) == entry["shape"]
    assert levels.ravel().tolist() == entry["values"]
    # The same levels from the input array, and the same bytes from the header.
    p = entry["params"]
    data = np.load(os.path.join(IMGPACK, "inputs", p["input"] + ".npy"))
    assert fw.quantize(data, p["vmin"], p["vmax"], p["dtype"]).ravel().tolist() == entry["values"]
    assert fw.pack_envelope(bytes(blob), header, magic=buf[:4]) == buf
