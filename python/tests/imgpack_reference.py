"""imgpack's latest layout (docs/FORMATS.md §8) written out in NumPy, from the format's rules.

``encode`` gives the bytes imgpack's ``encode(data, vmin, vmax, dtype, bits,
endianness=...)`` writes (test_imgpack.py checks it against files imgpack's
own Python wrote, then compares framewire with it on random arrays);
``decode`` gives its ``(header, array)``. Written independently of both
(vectorised bit packing with ``np.packbits``, explicit f32 scalars so that
NumPy 1.x and 2.x compute the same), to be simple rather than fast.
"""

import json
import struct

import numpy as np

ELEM_SIZE = {"packed": 1, "uint8": 1, "uint16": 2, "uint32": 4, "float16": 2, "float32": 4, "float64": 8}
MAX_BITS = {"packed": 32, "uint8": 8, "uint16": 16, "uint32": 32}
FLOATS = ("float16", "float32", "float64")


def levels(data, vmin, vmax, bits):
    """§8.4: the n-bit levels (uint32, or int64 where the top level rounds up to 2**32)."""
    top = (1 << bits) - 1
    a = np.asarray(data, dtype=np.float32)
    denom = float(vmax) - float(vmin)
    if not np.isfinite(denom) or denom <= 0.0:
        return np.zeros(a.shape, dtype=np.uint32)
    with np.errstate(all="ignore"):
        v = (a - np.float32(vmin)) * np.float32(top / denom)
        v[~np.isfinite(v)] = 0.0
        v = np.clip(v, np.float32(0.0), np.float32(top))
        # 2**32 (bits = 32, a sample at the top) does not fit u32: NumPy's
        # cast on x86-64 gives 0 (through int64), and so does this.
        return (v.astype(np.int64) & 0xFFFFFFFF).astype(np.uint32)


def pack_bits(q, bits):
    """§8.3's LSB-first bit stream of the low `bits` bits of each level."""
    v = np.asarray(q, dtype=np.uint64).ravel() & np.uint64((1 << bits) - 1)
    stream = (v[:, None] >> np.arange(bits, dtype=np.uint64)) & np.uint64(1)
    return np.packbits(stream.astype(np.uint8).ravel(), bitorder="little").tobytes()


def _np_dtype(dtype, endianness):
    order = "<" if endianness == "LE" else ">"
    base = {"uint8": "u1", "uint16": "u2", "uint32": "u4", "float16": "f2", "float32": "f4", "float64": "f8"}[dtype]
    return np.dtype(base).newbyteorder(order)


def encode(data, vmin, vmax, dtype="uint16", bits=12, *, endianness="LE"):
    data = np.asarray(data)
    assert data.ndim == 2
    dtype = dtype.lower()
    if vmin is None:
        vmin = float(np.nanmin(data))
    if vmax is None:
        vmax = float(np.nanmax(data))
    h, w = data.shape
    if dtype in FLOATS:
        blob = np.ascontiguousarray(data, dtype=_np_dtype(dtype, endianness)).tobytes()
        bits_h = res_h = None
    else:
        assert 1 <= bits <= MAX_BITS[dtype]
        q = levels(data, vmin, vmax, bits)
        if dtype == "packed":
            blob = pack_bits(q, bits)
        else:
            blob = q.astype(_np_dtype(dtype, endianness)).tobytes()
        bits_h, res_h = bits, 1 << bits
    header = {
        "format": "imgpack",
        "version": 1,
        "dtype": dtype,
        "endianness": None if dtype == "packed" else endianness,
        "shape": [h, w],
        "order": "C",
        "size": len(blob) / 1048576,
        "bits": bits_h,
        "resolution": res_h,
        "vmin": float(vmin),
        "vmax": float(vmax),
    }
    js = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    pad = (-(4 + len(js))) % ELEM_SIZE[dtype]
    return struct.pack(">I", len(js)) + js + b"\x00" * pad + blob


def decode(buf):
    """``(header, array)`` as imgpack's decode gives them (no checks: valid input only)."""
    buf = bytes(buf)
    (n,) = struct.unpack(">I", buf[:4])
    header = json.loads(buf[4 : 4 + n].decode("utf-8"))
    dtype = header["dtype"]
    off = 4 + n + (-(4 + n)) % ELEM_SIZE[dtype]
    shape = tuple(header["shape"])
    count = shape[0] * shape[1]
    if dtype == "packed":
        bits = header["bits"]
        if count == 0:
            out = np.uint8 if bits <= 8 else np.uint16 if bits <= 16 else np.uint32
            return header, np.zeros(shape, dtype=out)
        stream = np.unpackbits(np.frombuffer(buf, np.uint8, offset=off), bitorder="little")
        stream = stream[: count * bits].reshape(count, bits).astype(np.uint64)
        flat = (stream << np.arange(bits, dtype=np.uint64)).sum(axis=1, dtype=np.uint64)
        out = np.uint8 if bits <= 8 else np.uint16 if bits <= 16 else np.uint32
        arr = flat.astype(out)
    else:
        arr = np.frombuffer(buf, _np_dtype(dtype, header.get("endianness") or "LE"), count=count, offset=off)
    return header, arr.reshape(shape, order=header.get("order", "C"))
