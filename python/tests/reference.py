"""The NumPy reference code of docs/FORMATS.md (§2.6, §3.10, §4.4), written out.

framewire's package must give the same bytes as these functions for every
input; the tests compare them on thousands of arrays.
"""

import json
import struct

import numpy as np


def sac_bytes(a, b, width=0, height=0):
    """A SAC v1 file holding the int16 arrays `a` and `b` (flattened, C order)."""
    a = np.ascontiguousarray(a, dtype=np.int16)
    b = np.ascontiguousarray(b, dtype=np.int16)
    if width and height:
        assert a.size == width * height, "A length != width*height"
        assert b.size == width * height, "B length != width*height"
    header = struct.pack("<4sBBBBIIII", b"SAC1", 0, 1, 2, 0, a.size, b.size, width, height)
    return header + a.tobytes(order="C") + b.tobytes(order="C")


def quantize(data, vmin, vmax, dtype="uint16"):
    """Levels of `data` for the range vmin..vmax: uint8 0..=255 or uint16 0..=4096."""
    resolution = 255 if dtype == "uint8" else 4096
    vmin = float(vmin)
    vmax = float(vmax)
    denom = vmax - vmin
    with np.errstate(all="ignore"):
        a = np.asarray(data, dtype=np.float32)
        if not np.isfinite(denom) or denom <= 0:
            return np.zeros(a.shape, dtype=dtype)
        scaled = (a - vmin) * (resolution / denom)
        scaled[~np.isfinite(scaled)] = 0
        return np.clip(scaled, 0, resolution).astype(dtype)


def dequantize(levels, vmin, vmax, resolution):
    step = (float(vmax) - float(vmin)) / resolution
    return (float(vmin) + levels.astype(np.float64) * step).astype(np.float32)


def encode_data(data, vmin, vmax, dtype="uint16"):
    """ImgPack's encode_data with the quantization above (tests/golden/gen.py)."""
    levels = quantize(data, vmin, vmax, dtype)
    blob = levels.astype("<u2" if dtype == "uint16" else "u1").tobytes(order="C")
    header = {
        "fmt": "vcbin",
        "version": 1,
        "dtype": dtype,
        "endianness": "LE",
        "shape": [int(n) for n in levels.shape],
        "order": "C",
        "size": len(blob) / 1048576,
        "resolution": 255 if dtype == "uint8" else 4096,
        "vmin": float(vmin),
        "vmax": float(vmax),
    }
    return blob, header


def pack_envelope(blob, header, magic=b"VCBN"):
    header_json = json.dumps(header, separators=(",", ":")).encode("utf-8")
    prefix = magic + bytes([1]) + struct.pack(">I", len(header_json))
    pad = b"\x00" if (len(prefix) + len(header_json)) % 2 else b""
    return prefix + header_json + pad + blob


def vcbn_bytes(data, vmin, vmax, dtype="uint16", magic=b"VCBN"):
    return pack_envelope(*encode_data(data, vmin, vmax, dtype), magic=magic)
