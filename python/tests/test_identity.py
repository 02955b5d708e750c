"""Byte identity with the NumPy reference code on thousands of random arrays."""

import warnings

import numpy as np
import pytest

import framewire as fw
import reference as ref

RNG = np.random.default_rng(20261201)

SPECIALS = np.array(
    [0.0, -0.0, np.nan, np.inf, -np.inf, 1.0, -1.0, 0.5, 1e-45, 3.4028235e38, -3.4028235e38, 1e300, -1e300, 1e-310],
    dtype=np.float64,
)


def random_values(n):
    """Floats mixing plain values, out-of-range ones and the special cases."""
    kind = RNG.integers(0, 4)
    if kind == 0:
        v = RNG.normal(0.5, 0.6, n)
    elif kind == 1:
        v = RNG.uniform(-10, 10, n) * 10.0 ** RNG.integers(-30, 30)
    elif kind == 2:
        with np.errstate(all="ignore"):
            v = RNG.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32).view(np.float32).astype(np.float64)
    else:
        v = RNG.uniform(-2, 3, n)
    mask = RNG.random(n) < 0.1
    v[mask] = RNG.choice(SPECIALS, mask.sum())
    return v


DTYPES = [
    "f4", "f8", ">f4", ">f8", "f2", "c8", "c16", ">c8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8",
    ">i4", "bool", "longdouble",
]


def random_array(dtype):
    h, w = int(RNG.integers(0, 20)), int(RNG.integers(0, 20))
    v = random_values(h * w * 2).reshape(h, w * 2)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if dtype in ("c8", "c16", ">c8"):
            a = (v[:, :w] + 1j * v[:, w:]).astype(dtype)
        elif dtype[-2:] in ("i1", "i2", "i4", "i8") or dtype[0] == "u":
            info = np.iinfo(np.dtype(dtype))
            a = RNG.integers(info.min, info.max, (h, w * 2), dtype=np.dtype(dtype).newbyteorder("="), endpoint=True)
            a = a.astype(dtype)
        elif dtype == "bool":
            a = RNG.random((h, w * 2)) < 0.5
        else:
            a = v.astype(dtype)
    layout = RNG.integers(0, 4)
    if layout == 0:
        return a[:, :w]  # non-contiguous columns
    if layout == 1:
        return a[:, ::2]  # strided
    if layout == 2:
        return np.asfortranarray(a[:, :w]).T.copy().T  # Fortran order
    return np.ascontiguousarray(a[:, w:])


def random_range():
    kind = RNG.integers(0, 6)
    if kind == 0:
        return 0.0, 1.0
    if kind == 1:
        lo = float(RNG.normal(0, 2))
        return lo, lo + float(RNG.uniform(1e-6, 5))
    if kind == 2:
        return float(RNG.normal(0, 1e30)), float(RNG.normal(0, 1e30))
    if kind == 3:
        x = float(RNG.normal())
        return x, x  # empty range: all zeros
    if kind == 4:
        return float(RNG.uniform(1, 2)), float(RNG.uniform(-1, 0))  # vmin > vmax
    lo = float(RNG.uniform(-1e-3, 1e-3))
    return lo, lo + float(RNG.uniform(1e-12, 1e-9))


def ref_quiet(f, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ComplexWarning of np.asarray(complex, float32)
        return f(*args)


@pytest.mark.parametrize("dtype", DTYPES)
def test_vcbn_identity(dtype):
    """3,000+ arrays: encode_data, pack_envelope, vcbn_bytes, encode_vcbn and quantize."""
    for _ in range(160):
        a = random_array(dtype)
        vmin, vmax = random_range()
        for level in ("uint8", "uint16"):
            want_blob, want_header = ref_quiet(ref.encode_data, a, vmin, vmax, level)
            want = ref.pack_envelope(want_blob, want_header)
            blob, header = fw.encode_data(a, vmin, vmax, level)
            assert blob == want_blob
            assert list(header.items()) == list(want_header.items())
            assert fw.pack_envelope(blob, header) == want
            assert fw.vcbn_bytes(a, vmin, vmax, level) == want
            assert fw.encode_vcbn(a, vmin, vmax, level) == want
            q = fw.quantize(a, vmin, vmax, level)
            rq = ref_quiet(ref.quantize, a, vmin, vmax, level)
            assert q.dtype == rq.dtype and q.shape == rq.shape
            assert np.array_equal(q, rq)


def test_quantize_any_shape():
    for shape in [(0,), (7,), (2, 3, 4), (1, 1, 1, 5)]:
        a = random_values(int(np.prod(shape))).reshape(shape)
        assert np.array_equal(fw.quantize(a, -1.0, 2.0), ref_quiet(ref.quantize, a, -1.0, 2.0))


def test_python_lists_and_scalars_as_ranges():
    data = [[0.0, 0.25, None and 0 or 0.5], [0.75, 1.0, float("nan")]]
    assert fw.vcbn_bytes(data, 0, 1) == ref.vcbn_bytes(data, 0, 1)
    a = np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4)
    for vmin, vmax in [(np.float32(0.1), np.float64(0.9)), (0, 1), (np.int64(-1), True)]:
        assert fw.vcbn_bytes(a, vmin, vmax) == ref.vcbn_bytes(a, vmin, vmax)


def test_non_finite_range_in_encode_data_matches_reference():
    """json.dumps writes NaN/Infinity; the reference's bytes are kept (and decode)."""
    a = np.ones((2, 2), np.float32)
    for vmin, vmax in [(float("nan"), 1.0), (0.0, float("inf"))]:
        want = ref.vcbn_bytes(a, vmin, vmax)
        assert fw.pack_envelope(*fw.encode_data(a, vmin, vmax)) == want
        assert fw.vcbn_bytes(a, vmin, vmax) == want
        header, blob = fw.unpack_envelope(want)
        assert np.array_equal(fw.blob_to_ndarray(header, blob), np.zeros((2, 2)))


def test_magics_and_custom_headers():
    a = random_values(30).reshape(5, 6)
    for magic in (b"VCBN", b"IMPK", b"CBIN"):
        assert fw.vcbn_bytes(a, -1, 1, "uint8", magic) == ref.vcbn_bytes(a, -1, 1, "uint8", magic)
    blob, header = ref.encode_data(a, -1, 1)
    header = {"format": "cbin", "type": "image", **header, "extra": [1, {"x": None}]}
    assert fw.pack_envelope(blob, header, b"CBIN") == ref.pack_envelope(blob, header, b"CBIN")
    assert fw.pack_envelope(bytearray(blob), header) == ref.pack_envelope(blob, header)
    assert fw.pack_envelope(memoryview(blob), header) == ref.pack_envelope(blob, header)


def test_sac_identity():
    """2,000 SAC files from arrays of every integer dtype, floats and bool."""
    dtypes = ["i2", ">i2", "i1", "u1", "i4", "u2", "i8", "f4", "f8", "bool"]
    for i in range(2000):
        dt = dtypes[i % len(dtypes)]
        h, w = int(RNG.integers(0, 12)), int(RNG.integers(0, 12))
        if dt == "bool":
            a, b = RNG.random((h, w)) < 0.5, RNG.random((h, w)) < 0.5
        elif dt[-2] in "f":
            a, b = (RNG.normal(0, 1000, (2, h, w))).astype(dt)
        else:
            info = np.iinfo(np.dtype(dt))
            lo, hi = max(info.min, -32768), min(info.max, 32767)
            a, b = RNG.integers(lo, hi, (2, h, w), endpoint=True).astype(dt)
        if i % 3 == 0:
            a, b = a.T, b.T  # non-contiguous
        width, height = (w, h) if i % 2 else (0, 0)
        if i % 3 == 0:
            width, height = (h, w) if i % 2 else (0, 0)
        want = ref.sac_bytes(a, b, width, height)
        assert fw.build_sac(a, b, width, height) == want
        assert fw.sac_bytes(a, b, width=width, height=height) == want
        if width == 0 and height == 0:
            assert fw.build_sac(a.ravel(), b.ravel()) == want


def test_sac_lists():
    assert fw.build_sac([1, 2, -3], [[4], [5]]) == ref.sac_bytes([1, 2, -3], [[4], [5]])


@pytest.mark.parametrize("threads", ["1", "2", "3"])
def test_many_parts(monkeypatch, threads):
    """Large results are written in 2 MiB parts that the calling thread faults
    in and hands to helper threads, which also take parts nobody prepared;
    pack_envelope copies in parts from 8 MiB. Every byte must be the
    reference's whatever the split: 16.8 MB of uint16 levels (8 parts and a
    partial one), 8.4 MB of uint8, and the quantize() array."""
    monkeypatch.setenv("FRAMEWIRE_NUM_THREADS", threads)
    rng = np.random.default_rng(12)
    a = rng.normal(0.5, 0.4, (2897, 2903)).astype(np.float32)
    a[::31, ::43] = np.nan
    a[::59, ::5] = -np.inf
    for dtype in ("uint8", "uint16"):
        want = ref.vcbn_bytes(a, 0.0, 1.0, dtype)
        blob, header = fw.encode_data(a, 0.0, 1.0, dtype)
        assert blob == ref.encode_data(a, 0.0, 1.0, dtype)[0]
        assert fw.pack_envelope(blob, header) == want
        assert fw.vcbn_bytes(a, 0.0, 1.0, dtype) == want
    assert np.array_equal(fw.quantize(a, 0.0, 1.0), ref_quiet(ref.quantize, a, 0.0, 1.0))


def test_large_arrays_on_several_threads():
    """From 2**21 samples (bytes, for pack_envelope's copy) the blob is
    quantized on several threads, in 64 KiB blocks; below, on one. Both, a
    last partial block and both dtypes."""
    rng = np.random.default_rng(11)
    for shape in ((601, 599), (1451, 1453)):
        a = rng.normal(0.5, 0.4, shape).astype(np.float32)
        a[::37, ::41] = np.nan
        a[::53, ::7] = np.inf
        for dtype in ("uint8", "uint16"):
            want = ref.vcbn_bytes(a, 0.0, 1.0, dtype)
            assert fw.vcbn_bytes(a, 0.0, 1.0, dtype) == want
            blob, header = fw.encode_data(a, 0.0, 1.0, dtype)
            assert fw.pack_envelope(blob, header) == want
            assert fw.pack_envelope(bytearray(blob), header) == want
            assert fw.encode_vcbn(a, 0.0, 1.0, dtype) == want
            assert fw.encode_data(a.astype(np.float64), 0.0, 1.0, dtype)[0] == ref.encode_data(a.astype(np.float64), 0.0, 1.0, dtype)[0]
