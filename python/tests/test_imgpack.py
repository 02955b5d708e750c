"""imgpack's latest layout: encode/decode against the files imgpack's own Python wrote, and against imgpack_reference.py."""

import json
import os
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import framewire as fw
import imgpack_reference as ref

HERE = os.path.dirname(os.path.abspath(__file__))
INTEROP = os.path.join(HERE, "..", "..", "tests", "interop", "imgpack")
MANIFEST = [e for e in json.load(open(os.path.join(INTEROP, "manifest.json"))) if e["variant"] == "head"]
INPUTS = {n[:-4]: np.load(os.path.join(INTEROP, "inputs", n)) for n in os.listdir(os.path.join(INTEROP, "inputs"))}

DTYPES = ["packed", "uint8", "uint16", "uint32", "float16", "float32", "float64"]


def read(name):
    with open(os.path.join(INTEROP, name), "rb") as f:
        return f.read()


def same_header(a, b):
    """Dict equality, NaN equal to NaN (json.loads makes a new NaN object each time)."""
    return json.dumps(a) == json.dumps(b) and list(a) == list(b)


def expected_dtype(header):
    """The dtype imgpack's decoder gives (its _np_dtype, or the smallest uint for packed)."""
    d, bits = header["dtype"], header["bits"]
    if d == "packed":
        return np.dtype(np.uint8 if bits <= 8 else np.uint16 if bits <= 16 else np.uint32)
    return ref._np_dtype(d, header["endianness"] or "LE")


def kwargs(p):
    kw = {"dtype": p["dtype"]}
    if "bits" in p:
        kw["bits"] = p["bits"]
    if "endianness" in p:
        kw["endianness"] = p["endianness"]
    return kw


def test_manifest_has_every_layout():
    assert len(MANIFEST) == 175
    assert {e["params"]["dtype"] for e in MANIFEST} == set(DTYPES)


@pytest.mark.parametrize("entry", MANIFEST, ids=lambda e: e["file"])
def test_interop_file(entry):
    """Each file imgpack wrote: made again byte for byte from its input and params, and decoded to imgpack's array."""
    buf = read(entry["file"])
    p = entry["params"]
    data = INPUTS[p["input"]]
    assert fw.encode(data, p["vmin"], p["vmax"], **kwargs(p)) == buf
    # The reference of this file reproduces imgpack too, so comparing with it below means something.
    assert ref.encode(data, p["vmin"], p["vmax"], **kwargs(p)) == buf

    header, arr = fw.decode(buf)
    (n,) = struct.unpack(">I", buf[:4])
    assert same_header(header, json.loads(buf[4 : 4 + n]))
    assert arr.dtype.name == entry["dtype"] and list(arr.shape) == entry["shape"]
    assert arr.dtype == expected_dtype(header)
    want = np.array(entry["values"], dtype=np.float64)
    assert np.array_equal(arr.ravel().astype(np.float64), want, equal_nan=True)
    h2, arr2 = ref.decode(buf)
    assert arr2.dtype == arr.dtype and np.array_equal(arr.view(np.uint8), arr2.view(np.uint8))
    if header["dtype"] != "packed":
        # A read-only view of the message, no copy.
        assert not arr.flags.writeable
        assert np.shares_memory(arr, np.frombuffer(buf, np.uint8))


def test_decode_views_any_buffer():
    msg = fw.encode(np.linspace(0, 1, 12).reshape(3, 4), 0.0, 1.0, "float32", endianness="BE")
    for buf in (msg, bytearray(msg), memoryview(msg), np.frombuffer(msg, np.uint8)):
        header, arr = fw.decode(buf)
        assert arr.dtype == np.dtype(">f4") and arr.shape == (3, 4)
        assert not arr.flags.writeable
        assert np.array_equal(arr, np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4))
    ba = bytearray(msg)
    _, arr = fw.decode(ba)
    ba[-4:] = struct.pack(">f", 7.0)
    assert arr[2, 3] == 7.0  # a view of the bytearray, not a copy


def test_decode_packed_is_a_copy():
    msg = fw.encode(np.array([[0.0, 0.5], [1.0, 1.0]]), 0.0, 1.0, "packed", 12)
    assert msg[-6:] == bytes.fromhex("00f07fffffff")
    header, arr = fw.decode(msg)
    assert header["endianness"] is None and header["bits"] == 12 and header["resolution"] == 4096
    assert arr.dtype == np.uint16 and arr.tolist() == [[0, 2047], [4095, 4095]]
    assert not np.shares_memory(arr, np.frombuffer(msg, np.uint8))


def test_decode_order_f_and_unknown_keys():
    js = b'{"dtype":"uint8","shape":[2,3],"order":"F","bits":8,"extra":[1,{"a":null}]}'
    buf = struct.pack(">I", len(js)) + js + bytes(range(6))
    header, arr = fw.decode(buf)
    assert header == json.loads(js)  # every key, unknown ones included, in their order
    assert arr.flags.f_contiguous and arr.tolist() == np.arange(6, dtype=np.uint8).reshape((2, 3), order="F").tolist()


# Inputs of every kind the package's other encoders accept, as imgpack converts them.
def inputs(rng, h, w):
    base = rng.normal(0.4, 0.6, (h, w))
    specials = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1.0, 1e30, -1e30, 5e-8])
    mask = rng.random((h, w)) < 0.2
    base[mask] = rng.choice(specials, mask.sum())
    yield "f64", base
    yield "f32", base.astype(np.float32)
    yield "f32-BE", base.astype(">f4")
    yield "f64-BE", base.astype(">f8")
    yield "f32-F", np.asfortranarray(base.astype(np.float32))
    yield "f64-strided", np.repeat(base, 2, axis=1)[:, ::2]
    yield "f16", np.nan_to_num(base, posinf=7.0, neginf=-7.0).astype(np.float16)
    yield "int16", rng.integers(-3, 4, (h, w)).astype(np.int16)
    yield "uint8", rng.integers(0, 3, (h, w)).astype(np.uint8)
    yield "int64", rng.integers(-(2**40), 2**40, (h, w))
    yield "bool", rng.random((h, w)) < 0.5
    if h:  # an empty list of rows is 1-D
        yield "list", base.tolist()


def test_random_against_reference():
    """3,000+ random messages: every dtype, many bits, both byte orders, 12 input kinds."""
    rng = np.random.default_rng(7)
    n = 0
    for _ in range(12):
        h, w = int(rng.integers(0, 9)), int(rng.integers(1, 9))
        ranges = [(0.0, 1.0), (-1.5, 2.0), (float(rng.normal()), float(rng.normal()) + 3.0), (2.0, 2.0), (1.0, 0.0), (0.0, np.inf), (np.nan, 1.0)]
        lo, hi = ranges[int(rng.integers(len(ranges)))]
        for kind, data in inputs(rng, h, w):
            for dtype in DTYPES:
                bit_choices = [None] if dtype.startswith("float") else sorted({1, 2, 7, 8, int(rng.integers(1, ref.MAX_BITS[dtype] + 1)), ref.MAX_BITS[dtype]} - {b for b in (16, 32) if b > ref.MAX_BITS[dtype]})
                for bits in bit_choices:
                    for end in ("LE", "BE"):
                        kw = {"endianness": end} if bits is None else {"bits": bits, "endianness": end}
                        with np.errstate(all="ignore"):
                            want = ref.encode(data, lo, hi, dtype, **kw)
                        got = fw.encode(data, lo, hi, dtype, **kw)
                        assert got == want, (kind, dtype, bits, end, lo, hi)
                        n += 1
    assert n > 3000


@pytest.mark.filterwarnings("ignore:All-NaN slice:RuntimeWarning")
def test_default_range_as_imgpack():
    """vmin/vmax None: float(np.nanmin(data)) and nanmax, NaN when every sample is NaN."""
    rng = np.random.default_rng(3)
    cases = [
        rng.normal(size=(4, 5)),
        rng.normal(size=(4, 5)).astype(np.float32),
        np.array([[np.nan, 2.0], [np.inf, -3.0]]),
        np.full((2, 2), np.nan),
        rng.integers(-9, 9, (3, 3)).astype(np.int8),
        rng.normal(size=(3, 3)).astype(">f4"),
    ]
    for data in cases:
        for dtype in ("uint16", "packed", "float32"):
            for lo, hi in ((None, None), (None, 1.0), (0.0, None)):
                assert fw.encode(data, lo, hi, dtype) == ref.encode(data, lo, hi, dtype)
    header, _ = fw.decode(fw.encode(np.full((1, 1), np.nan), None, None))
    assert np.isnan(header["vmin"]) and np.isnan(header["vmax"])
    with pytest.raises(ValueError):
        fw.encode(np.zeros((0, 3)), None, 1.0)


def test_arguments_as_imgpack():
    data = np.linspace(0, 1, 6).reshape(2, 3)
    assert fw.encode(data, 0, 1) == ref.encode(data, 0.0, 1.0, "uint16", 12)  # imgpack's defaults
    assert fw.encode(data, 0.0, 1.0, "UINT16", 10) == ref.encode(data, 0.0, 1.0, "uint16", 10)
    assert fw.encode(data, 0.0, 1.0, "Float64", 999) == ref.encode(data, 0.0, 1.0, "float64")  # bits ignored
    assert fw.encode(data, 0.0, 1.0, "packed", 5, endianness="BE") == ref.encode(data, 0.0, 1.0, "packed", 5)
    assert fw.encode(data, 0.0, 1.0, "uint8", 8, endianness="BE") == ref.encode(data, 0.0, 1.0, "uint8", 8, endianness="BE")


@pytest.mark.parametrize(
    "call, cls",
    [
        (lambda: fw.encode(np.zeros((2, 2)), 0, 1, "uint8", 9), fw.BitsOutOfRange),
        (lambda: fw.encode(np.zeros((2, 2)), 0, 1, "uint16", 0), fw.BitsOutOfRange),
        (lambda: fw.encode(np.zeros((2, 2)), 0, 1, "packed", 33), fw.BitsOutOfRange),
        (lambda: fw.encode(np.zeros((2, 2)), 0, 1, "uint32", -1), fw.BitsOutOfRange),
        (lambda: fw.encode(np.zeros((2, 2)), 0, 1, "int16"), ValueError),
        (lambda: fw.encode(np.zeros((2, 2)), 0, 1, "uint16", endianness="le"), ValueError),
        (lambda: fw.encode(np.zeros(4), 0, 1), ValueError),
        (lambda: fw.encode(np.zeros((1, 2, 2)), 0, 1), ValueError),
        (lambda: fw.decode(b"\0\0\0"), fw.Truncated),
        (lambda: fw.decode(b"\0\0\0\x02{}"), fw.MissingField),
        (lambda: fw.decode(struct.pack(">I", 70000) + b"{"), fw.HeaderTooLong),
    ],
)
def test_errors(call, cls):
    with pytest.raises(cls) as e:
        call()
    assert isinstance(e.value, ValueError) and str(e.value)
    if issubclass(cls, fw.FramewireError):
        assert e.value.code == cls.__name__


def header_bytes(js, blob):
    j = js.encode()
    return struct.pack(">I", len(j)) + j + blob


@pytest.mark.parametrize(
    "buf, code",
    [
        (header_bytes('{"dtype":"uint16","shape":[1,1],"bits":12,"endianness":null}', b"\0\0\0"), "InvalidValue"),
        (header_bytes('{"dtype":"uint8","shape":[1,2],"bits":9}', b"\0\0"), "InvalidValue"),
        (header_bytes('{"format":"x","dtype":"uint8","shape":[1,2],"bits":8}', b"\0\0"), "InvalidValue"),
        (header_bytes('{"dtype":"uint8","shape":[1,2]}', b"\0\0"), "MissingField"),
        (header_bytes('{"dtype":"int8","shape":[1,2],"bits":8}', b"\0\0"), "InvalidValue"),
        (header_bytes('{"dtype":"packed","shape":[18446744073709551615,2],"bits":8}', b""), "SizeOverflow"),
        (header_bytes('{"dtype":"uint8","shape":[1,2],"bits":8}', b"\0\0\0"), "TrailingBytes"),
        (header_bytes('{"dtype":"uint8","shape":[1,2],"bits":8,"bits":8}', b"\0\0"), "DuplicateField"),
    ],
)
def test_decode_errors(buf, code):
    with pytest.raises(fw.FramewireError) as e:
        fw.decode(buf)
    assert e.value.code == code and isinstance(e.value, getattr(fw, code))


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_strict_prefix_is_an_error(dtype):
    data = np.linspace(-0.2, 1.2, 15).reshape(3, 5)
    msg = fw.encode(data, 0.0, 1.0, dtype, 7, endianness="BE")
    fw.decode(msg)
    for n in range(len(msg)):
        with pytest.raises(fw.FramewireError):
            fw.decode(msg[:n])
    with pytest.raises(fw.TrailingBytes):
        fw.decode(msg + b"\0")


floats = st.floats(allow_nan=True, allow_infinity=True, width=32)
shapes = st.tuples(st.integers(0, 10), st.integers(0, 10))


@st.composite
def params(draw):
    dtype = draw(st.sampled_from(DTYPES))
    bits = None if dtype.startswith("float") else draw(st.integers(1, ref.MAX_BITS[dtype]))
    return dtype, bits, draw(st.sampled_from(["LE", "BE"]))


@settings(max_examples=400, deadline=None)
@given(arrays(np.float32, shapes, elements=floats), st.floats(-1e6, 1e6), st.floats(1e-3, 1e6), params())
def test_round_trip(data, vmin, width, p):
    dtype, bits, end = p
    vmax = vmin + width
    kw = {"endianness": end} if bits is None else {"bits": bits, "endianness": end}
    msg = fw.encode(data, vmin, vmax, dtype, **kw)
    assert msg == ref.encode(data, vmin, vmax, dtype, **kw)
    header, arr = fw.decode(msg)
    want_header, want = ref.decode(msg)
    assert same_header(header, want_header)
    assert header["dtype"] == dtype and header["shape"] == list(data.shape) and header["bits"] == bits
    assert arr.dtype == want.dtype and arr.shape == data.shape
    assert np.array_equal(arr.view(np.uint8), want.view(np.uint8))
    if dtype == "float32":
        assert np.array_equal(arr, data, equal_nan=True)
    elif bits is not None and bits < 32:
        assert np.array_equal(arr, ref.levels(data, vmin, vmax, bits) & ((1 << bits) - 1 if dtype == "packed" else 0xFFFFFFFF))
