"""Round trips (hypothesis), read-only views, the streaming decoder in any chunking."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import framewire as fw
import reference as ref

floats = st.floats(allow_nan=True, allow_infinity=True, width=32)
shapes = st.tuples(st.integers(0, 12), st.integers(0, 12))


@settings(max_examples=300, deadline=None)
@given(arrays(np.float32, shapes, elements=floats), st.floats(-1e6, 1e6), st.floats(1e-3, 1e6), st.sampled_from(["uint8", "uint16"]))
def test_vcbn_round_trip(data, vmin, width, dtype):
    vmax = vmin + width
    env = fw.encode_vcbn(data, vmin, vmax, dtype)
    assert env == ref.vcbn_bytes(data, vmin, vmax, dtype)
    header, blob = fw.unpack_envelope(env)
    assert header["shape"] == list(data.shape) and header["dtype"] == dtype
    levels = fw.blob_to_ndarray(header, blob)
    assert np.array_equal(levels, ref.quantize(data, vmin, vmax, dtype))
    values = fw.dequantize(levels, header["vmin"], header["vmax"], header["resolution"])
    assert np.array_equal(values, ref.dequantize(levels, vmin, vmax, header["resolution"]))
    ok = np.isfinite(data) & (data >= vmin) & (data <= vmax)
    step = (vmax - vmin) / header["resolution"]
    tol = step + 8 * 2**-24 * (np.abs(data[ok]) + abs(vmin) + abs(vmax))
    assert np.all(np.abs(values[ok].astype(np.float64) - data[ok]) <= tol)


@settings(max_examples=300, deadline=None)
@given(arrays(np.int16, st.integers(0, 50)), arrays(np.int16, st.integers(0, 50)))
def test_sac_round_trip(a, b):
    buf = fw.build_sac(a, b)
    s = fw.parse_sac(buf)
    assert np.array_equal(s.a, a) and np.array_equal(s.b, b) and (s.width, s.height, s.flags) == (0, 0, 0)
    assert s.a.dtype == np.dtype("<i2")


def test_views_are_read_only_and_share_the_input():
    env = fw.encode_vcbn(np.linspace(0, 1, 64).reshape(8, 8), 0.0, 1.0)
    buf = bytearray(env)
    header, blob = fw.unpack_envelope(buf)
    levels = fw.blob_to_ndarray(header, blob)
    assert blob.readonly and not levels.flags.writeable
    buf[-2:] = b"\x07\x00"  # the view sees the buffer change: no copy was made
    assert levels[-1, -1] == 7
    s = fw.parse_sac(bytearray(fw.build_sac([1, 2], [3])))
    assert not s.a.flags.writeable and not s.b.flags.writeable
    assert np.shares_memory(s.a, s.b) is False


def test_big_endian_and_fortran_blobs():
    levels = np.arange(6, dtype=">u2").reshape(2, 3)
    header = {"dtype": "uint16", "shape": [2, 3], "endianness": "BE"}
    got = fw.blob_to_ndarray(header, levels.tobytes())
    assert got.dtype == np.dtype(">u2") and np.array_equal(got, levels)
    header = {"dtype": "uint8", "shape": [2, 3], "order": "F"}
    got = fw.blob_to_ndarray(header, bytes(range(6)))
    assert got.flags.f_contiguous and got.tolist() == [[0, 2, 4], [1, 3, 5]]


def stream_items(decoder, chunks):
    out = []
    for c in chunks:
        out += decoder.feed(c)
    out += decoder.finish()
    return [(i.offset, "error", i.code, str(i)) if isinstance(i, fw.FramewireError) else (i.offset, i.format, i.data, repr(i.header), [a.tobytes() for a in i.arrays]) for i in out]


def frames(rng):
    out = []
    for k in range(int(rng.integers(1, 8))):
        if rng.random() < 0.5:
            h, w = rng.integers(0, 6, 2)
            out.append(fw.encode_vcbn(rng.normal(size=(h, w)), -1.0, 1.0, ["uint8", "uint16"][k % 2]))
        else:
            out.append(fw.build_sac(rng.integers(-9, 9, rng.integers(0, 9)), rng.integers(-9, 9, rng.integers(0, 9))))
    return out


def chunked(rng, data):
    cuts = sorted(set(rng.integers(0, len(data) + 1, int(rng.integers(0, 12)))))
    bounds = [0, *cuts, len(data)]
    return [data[a:b] for a, b in zip(bounds, bounds[1:])]


def test_stream_same_frames_in_any_chunking():
    rng = np.random.default_rng(7)
    for trial in range(300):
        parts = frames(rng)
        data = b"".join(parts)
        if trial % 3 == 0:  # a corrupt frame in the middle: resync finds the rest
            i = int(rng.integers(0, len(data)))
            data = data[:i] + b"JUNK" + data[i:]
        resync = trial % 2 == 0
        whole = stream_items(fw.Decoder(resync=resync), [data])
        for chunks in ([data[i:i + 1] for i in range(len(data))], chunked(rng, data), chunked(rng, data)):
            assert stream_items(fw.Decoder(resync=resync), chunks) == whole
        if trial % 3:
            # Clean streams: every frame, with the one-shot decoders' results.
            assert [w[2] for w in whole] == parts
            for item, part in zip(fw.Decoder().feed(data), parts):
                if item.format == "sac":
                    s = fw.parse_sac(part)
                    assert np.array_equal(item.arrays[0], s.a) and np.array_equal(item.arrays[1], s.b)
                else:
                    header, blob = fw.unpack_envelope(part)
                    assert item.header == header
                    assert np.array_equal(item.arrays[0], fw.blob_to_ndarray(header, blob))


def test_stream_errors():
    d = fw.Decoder()
    sac = fw.build_sac([1], [2])
    items = d.feed(sac + b"XXXXXXXX" + sac)
    assert isinstance(items[0], fw.Frame) and isinstance(items[1], fw.BadMagic)
    assert items[1].offset == len(sac) and str(items[1]).startswith(f"at stream offset {len(sac)}:")
    assert d.is_stopped and d.feed(sac) == []
    d = fw.Decoder(resync=True)
    items = d.feed(sac + b"XXXX" + sac)
    assert [type(i).__name__ for i in items] == ["Frame", "BadMagic", "Frame"]
    d = fw.Decoder()
    assert d.feed(sac[:-1]) == []
    (err,) = d.finish()
    assert isinstance(err, fw.Truncated)
