"""Edge cases found by attack probes: small thread stacks, shapes NumPy cannot hold, the sign of a zero default range, odd buffers."""

import array
import struct
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import framewire as fw
import imgpack_reference as ipref
import reference as ref


def test_decoder_on_a_small_thread_stack():
    """A Decoder made on a thread with a 64 KiB stack (threading.stack_size) works; run in a child so a crash is a failure, not a lost test run."""
    code = textwrap.dedent(
        """
        import threading
        import framewire as fw
        out = []
        def work():
            d = fw.Decoder()
            out.extend(d.feed(fw.build_sac([1, 2], [3])))
        threading.stack_size(64 * 1024)
        t = threading.Thread(target=work)
        t.start()
        t.join()
        assert [i.format for i in out] == ["sac"], out
        print("ok")
        """
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "ok", (r.returncode, r.stdout, r.stderr)


def vcbn_frame(js):
    j = js.encode()
    pad = (9 + len(j)) % 2
    return b"VCBN\x01" + struct.pack(">I", len(j)) + j + b"\0" * pad


HUGE = [
    '{"dtype":"uint16","shape":[18446744073709551615,0]}',
    '{"dtype":"uint8","shape":[0,9223372036854775808]}',
]


@pytest.mark.parametrize("js", HUGE)
def test_shape_numpy_cannot_hold_is_size_overflow(js):
    """No elements, so the format allows it, but an ndarray's dimensions are intp."""
    header, blob = fw.unpack_envelope(vcbn_frame(js))
    assert blob == b""
    with pytest.raises(fw.SizeOverflow) as e:
        fw.blob_to_ndarray(header, blob)
    assert "the most a NumPy array can have" in str(e.value)
    # The shape NumPy can hold is fine.
    ok = fw.blob_to_ndarray({"dtype": "uint8", "shape": [0, 2**63 - 1]}, b"")
    assert ok.shape == (0, 2**63 - 1)


def test_imgpack_shape_numpy_cannot_hold_is_size_overflow():
    j = b'{"dtype":"uint8","shape":[9223372036854775808,0],"bits":8}'
    with pytest.raises(fw.SizeOverflow):
        fw.decode(struct.pack(">I", len(j)) + j)


def test_stream_frame_numpy_cannot_hold_is_an_error_item():
    """An error item like the decoder's own: strict mode stops there, resync goes on with the next frame."""
    good = fw.build_sac([1], [2])
    bad = vcbn_frame(HUGE[0])
    d = fw.Decoder()
    items = d.feed(good + bad + good)
    assert [type(i).__name__ for i in items] == ["Frame", "SizeOverflow"]
    assert items[1].offset == len(good) and str(items[1]).startswith(f"at stream offset {len(good)}:")
    assert d.is_stopped and d.feed(good) == [] and d.finish() == []
    d.reset()
    assert not d.is_stopped and [type(i).__name__ for i in d.feed(good)] == ["Frame"]
    d = fw.Decoder(resync=True)
    items = d.feed(good + bad + good)
    assert [type(i).__name__ for i in items] == ["Frame", "SizeOverflow", "Frame"]
    assert items[2].offset == len(good) + len(bad) and not d.is_stopped
    assert d.finish() == []


def signed_zero_arrays(rng):
    for trial in range(400):
        n = int(rng.integers(1, 80))
        a = rng.choice([0.0, -0.0, 1.0, -1.0, np.nan], size=n, p=[0.35, 0.35, 0.1, 0.1, 0.1])
        if trial % 2:
            a = np.abs(a)  # only zeros and NaN or positives: the minimum is a zero
        yield a.reshape(1, n).astype(np.float32 if trial % 3 else np.float64)


def test_zero_default_range_has_numpys_sign():
    """vmin/vmax None with both 0.0 and -0.0 in the data: the sign np.nanmin/np.nanmax give (it depends on SIMD lanes), byte for byte."""
    rng = np.random.default_rng(11)
    checked = 0
    for a in signed_zero_arrays(rng):
        with np.errstate(all="ignore"):
            if np.isnan(a).all():
                continue
            lo, hi = float(np.nanmin(a)), float(np.nanmax(a))
            if lo == hi:
                continue
            assert fw.encode(a, None, None) == ipref.encode(a, None, None)
            assert fw.encode_vcbn(a) == ref.vcbn_bytes(a, lo, hi)
            c = a.astype(np.complex128) + 1j
            assert fw.encode_vcbn(c) == ref.vcbn_bytes(c.real, float(np.nanmin(c.real)), float(np.nanmax(c.real)))
        checked += 1
    assert checked > 300


def even_frame():
    """A VCBN frame of even length, so 2-byte-item buffers can hold it exactly."""
    for n in range(1, 9):
        frame = fw.encode_vcbn(np.linspace(0, 1, 2 * n).reshape(2, n), 0.0, 1.0, "uint8")
        if len(frame) % 2 == 0:
            return frame
    raise AssertionError("no even frame")


@pytest.mark.parametrize(
    "make",
    [
        lambda b: array.array("H", b),
        lambda b: np.frombuffer(b, np.uint16),
        lambda b: np.frombuffer(b, np.uint8).reshape(-1, 2),
        lambda b: memoryview(b).cast("B", (len(b) // 2, 2)),
    ],
    ids=["array-H", "uint16-ndarray", "2d-uint8", "2d-memoryview"],
)
def test_unpack_envelope_reads_any_buffer_as_bytes(make):
    """Any C-contiguous buffer is its bytes, whatever its item size or shape (imgpack's slicing of bytes)."""
    frame = even_frame()
    want_header, want_blob = fw.unpack_envelope(frame)
    header, blob = fw.unpack_envelope(make(frame))
    assert header == want_header and bytes(blob) == bytes(want_blob) and len(blob) == len(want_blob)


@pytest.mark.parametrize("bits", [-1, 0, 9, 2**70])
def test_bits_out_of_range_names_the_bits_given(bits):
    with pytest.raises(fw.BitsOutOfRange) as e:
        fw.encode(np.zeros((1, 2)), 0.0, 1.0, "uint8", bits)
    assert str(e.value) == f"bits {bits} does not fit the dtype (expected 1 to 8)"


def test_dequantize_of_0d_levels_is_a_scalar_as_the_reference():
    for levels in (np.array(3, np.uint8), np.array(3, "<u2"), np.array(3, ">u2"), np.array(3, np.int64), np.array(True)):
        got = fw.dequantize(levels, 0.0, 1.0, 255)
        want = ref.dequantize(levels, 0.0, 1.0, 255)
        assert type(got) is type(want) is np.float32 and got == want, levels.dtype


def test_dtype_names_and_dtypes_but_not_scalar_types():
    data = np.linspace(0, 1, 6).reshape(2, 3)
    for dtype in ("uint8", np.dtype("uint8"), "uint16", np.dtype("uint16")):
        assert fw.encode_data(data, 0, 1, dtype) == ref.encode_data(data, 0, 1, str(np.dtype(dtype)))
    with pytest.raises(ValueError, match="dtype must be"):
        fw.encode_data(data, 0, 1, np.uint8)


# Second probe.

ITEM_SIZE_HUGE = [
    '{"dtype":"uint16","shape":[0,4611686018427387904]}',  # 2**62 two-byte items: 2**63 bytes
    '{"dtype":"uint16","shape":[4611686018427387904,0]}',
]


@pytest.mark.parametrize("js", ITEM_SIZE_HUGE)
def test_no_elements_but_too_many_bytes_for_numpy_is_size_overflow(js):
    header, blob = fw.unpack_envelope(vcbn_frame(js))
    with pytest.raises(fw.SizeOverflow):
        fw.blob_to_ndarray(header, blob)
    ok = fw.blob_to_ndarray({"dtype": "uint16", "shape": [0, 2**62 - 1]}, b"")
    assert ok.shape == (0, 2**62 - 1)
    good = fw.build_sac([1], [2])
    items = fw.Decoder(resync=True).feed(good + vcbn_frame(js) + good)
    assert [type(i).__name__ for i in items] == ["Frame", "SizeOverflow", "Frame"]


def test_imgpack_no_elements_but_too_many_bytes_is_size_overflow():
    j = b'{"dtype":"float64","shape":[0,2305843009213693952]}'  # 2**61 eight-byte items
    pad = b"\0" * ((-(4 + len(j))) % 8)
    with pytest.raises(fw.SizeOverflow):
        fw.decode(struct.pack(">I", len(j)) + j + pad)


def misaligned(a):
    """`a`'s values in a C-contiguous view that starts one byte into its buffer."""
    buf = bytearray(a.nbytes + 1)
    v = np.frombuffer(buf, a.dtype, count=a.size, offset=1).reshape(a.shape)
    v[...] = a
    assert not v.flags.aligned and v.flags.c_contiguous
    return v


def test_misaligned_arrays_are_read_as_aligned_ones():
    rng = np.random.default_rng(5)
    for dt in ("f4", "f8", "c8", "c16"):
        a = (rng.normal(size=(3, 5)) * 2).astype(dt)
        m = misaligned(a)
        assert np.array_equal(fw.quantize(m, -1.0, 1.0), ref.quantize(a, -1.0, 1.0))
        assert fw.vcbn_bytes(m, -1.0, 1.0) == ref.vcbn_bytes(a, -1.0, 1.0)
        assert fw.encode_vcbn(m) == fw.encode_vcbn(a)
        if dt in ("f4", "f8"):
            assert fw.encode(m, -1.0, 1.0) == ipref.encode(a, -1.0, 1.0)
    s16 = rng.integers(-99, 99, 7).astype(np.int16)
    assert fw.build_sac(misaligned(s16), misaligned(s16[::-1].copy())) == ref.sac_bytes(s16, s16[::-1])
    lv = np.arange(9, dtype="<u2")
    assert np.array_equal(fw.dequantize(misaligned(lv), 0.0, 1.0, 4096), ref.dequantize(lv, 0.0, 1.0, 4096))


def test_masked_arrays_are_their_data():
    """The references' np.asarray drops the mask; so does every default range here."""
    mask = [[True, False], [False, False]]
    for vals in ([[-5.0, 1.0], [2.0, 3.0]], [[0.0, 1.0], [2.0, 3.0]], [[-0.0, 0.0], [2.0, 3.0]]):
        for dt in ("f4", "f8", "i2"):
            m = np.ma.masked_array(np.array(vals, dt), mask=mask)
            plain = np.asarray(m)
            assert fw.encode(m, None, None) == ipref.encode(m, None, None) == ipref.encode(plain, None, None)
            assert fw.encode_vcbn(m) == fw.encode_vcbn(plain)
            assert fw.vcbn_bytes(m, 0.0, 1.0) == ref.vcbn_bytes(plain, 0.0, 1.0)


def test_bits_must_be_an_int_not_a_bool():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    with pytest.raises(TypeError, match="bits must be an int"):
        fw.encode(a, 0.0, 5.0, "uint8", True)
    # Ignored for the float dtypes, as imgpack ignores it.
    assert fw.encode(a, 0.0, 5.0, "float32", True) == ipref.encode(a, 0.0, 5.0, "float32", True)
    assert fw.encode(a, 0.0, 5.0, "uint8", np.int64(3)) == ipref.encode(a, 0.0, 5.0, "uint8", 3)


def test_explicit_none_is_not_the_default():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    with pytest.raises(ValueError, match="endianness"):
        fw.encode(a, 0.0, 5.0, "uint16", 12, endianness=None)
    # packed has no byte order: imgpack writes null whatever is passed.
    assert fw.encode(a, 0.0, 5.0, "packed", 5, endianness=None) == ipref.encode(a, 0.0, 5.0, "packed", 5, endianness=None)
    with pytest.raises(TypeError):
        fw.encode(a, 0.0, 5.0, None)
    with pytest.raises(TypeError):
        fw.encode(a, 0.0, 5.0, "uint16", None)
    assert fw.encode(a, 0.0, 5.0, "float16", None) == ipref.encode(a, 0.0, 5.0, "float16", None)
    for call in (
        lambda: fw.encode_data(a, 0, 1, None),
        lambda: fw.quantize(a, 0, 1, None),
        lambda: fw.vcbn_bytes(a, 0, 1, None),
        lambda: fw.encode_vcbn(a, 0, 1, None),
    ):
        with pytest.raises(ValueError, match="dtype must be"):
            call()
    with pytest.raises(TypeError, match="magic must be bytes"):
        fw.vcbn_bytes(a, 0, 1, "uint8", None)
    with pytest.raises(TypeError):
        fw.build_sac([1], [1], None)
    with pytest.raises(TypeError):
        fw.Decoder(max_json_len=None)
    # Omitted: the defaults.
    assert fw.build_sac([1], [1]) == ref.sac_bytes([1], [1])
    assert fw.pack_envelope(*fw.encode_data(a, 0, 1)) == ref.vcbn_bytes(a, 0, 1)


def test_dequantize_any_integer_bool_or_float_levels():
    for lv in (np.array([1, 2, 4096]), np.array([True, False]), np.array([1.5, -3.0]), np.array(5, ">u2"), np.array([[7]], ">u2")):
        got, want = fw.dequantize(lv, -1.0, 3.0, 4096), ref.dequantize(lv, -1.0, 3.0, 4096)
        assert np.shape(got) == np.shape(want) and got.dtype == want.dtype == np.float32
        assert np.array_equal(got, want), lv
    with pytest.raises(ValueError, match="levels must be"):
        fw.dequantize(np.array([1j]), 0.0, 1.0, 4096)


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda: fw.build_sac([1], [1], 2**200, 1), "TooManyElements"),
        (lambda: fw.build_sac([1], [1], -(2**200), 1), "must not be negative, got -1606938044258990275541962092341162602522202993782792835301376"),
        (lambda: fw.dequantize(np.zeros(2, np.uint8), 0, 1, 2**63), "resolution must be from 1 to 4294967295, got 9223372036854775808"),
        (lambda: fw.dequantize(np.zeros(2, np.uint8), 0, 1, 0), "resolution must be"),
        (lambda: fw.Decoder(max_json_len=-1), "max_json_len must be from 0 to 65536, got -1"),
        (lambda: fw.Decoder(max_json_len=2**32), "got 4294967296"),
        (lambda: fw.Decoder(max_json_len=65537), "got 65537"),
        # Past Python's 4300-digit limit for int to text: its size stands in.
        (lambda: fw.build_sac([1], [1], 10**5000, 1), "TooManyElements"),
        (lambda: fw.dequantize(np.zeros(2, np.uint8), 0, 1, 10**5000), "got an int of 16610 bits"),
        (lambda: fw.encode(np.zeros((1, 2)), 0.0, 1.0, "uint8", 10**5000), "bits an int of 16610 bits does not fit"),
    ],
)
def test_out_of_range_ints_are_value_errors(call, fragment):
    with pytest.raises(ValueError) as e:
        call()
    assert fragment in str(e.value) or getattr(e.value, "code", None) == fragment


def test_non_contiguous_buffers_are_value_errors():
    env = even_frame()
    m = np.frombuffer(env + env, np.uint8)
    for buf in (memoryview(env + env)[::2], m[::2], np.asfortranarray(m.reshape(2, -1))):
        for call in (fw.unpack_envelope, fw.decode, fw.parse_sac, fw.Decoder().feed, lambda b: fw.blob_to_ndarray({"dtype": "uint8", "shape": [1, len(env)]}, b)):
            with pytest.raises(ValueError, match="not C-contiguous"):
                call(buf)


def test_reset_forgets_the_error_and_positions_go_on():
    d = fw.Decoder()
    bad = d.feed(b"XXXX")
    assert isinstance(bad[0], fw.BadMagic) and d.is_stopped
    d.reset()
    assert not d.is_stopped and d.position == 4
    sac = fw.build_sac([1], [2])
    (frame,) = d.feed(sac)
    assert frame.offset == 4 and d.position == 4 + len(sac)
