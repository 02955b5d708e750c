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
    assert "largest a NumPy array can have" in str(e.value)
    # The shape NumPy can hold is fine.
    ok = fw.blob_to_ndarray({"dtype": "uint8", "shape": [0, 2**63 - 1]}, b"")
    assert ok.shape == (0, 2**63 - 1)


def test_imgpack_shape_numpy_cannot_hold_is_size_overflow():
    j = b'{"dtype":"uint8","shape":[9223372036854775808,0],"bits":8}'
    with pytest.raises(fw.SizeOverflow):
        fw.decode(struct.pack(">I", len(j)) + j)


def test_stream_frame_numpy_cannot_hold_is_an_error_item():
    """The stream goes on after it: frame, SizeOverflow at its offset, frame."""
    good = fw.build_sac([1], [2])
    bad = vcbn_frame(HUGE[0])
    d = fw.Decoder()
    items = d.feed(good + bad + good)
    assert [type(i).__name__ for i in items] == ["Frame", "SizeOverflow", "Frame"]
    assert items[1].offset == len(good) and str(items[1]).startswith(f"at stream offset {len(good)}:")
    assert items[2].offset == len(good) + len(bad)
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


def test_dequantize_keeps_the_shape_of_a_0d_array():
    levels = np.array(3, np.uint8)
    got = fw.dequantize(levels, 0.0, 1.0, 255)
    want = ref.dequantize(levels, 0.0, 1.0, 255)
    assert got.shape == want.shape == () and got.dtype == np.float32 and got == want


def test_dtype_names_and_dtypes_but_not_scalar_types():
    data = np.linspace(0, 1, 6).reshape(2, 3)
    for dtype in ("uint8", np.dtype("uint8"), "uint16", np.dtype("uint16")):
        assert fw.encode_data(data, 0, 1, dtype) == ref.encode_data(data, 0, 1, str(np.dtype(dtype)))
    with pytest.raises(ValueError, match="dtype must be"):
        fw.encode_data(data, 0, 1, np.uint8)
