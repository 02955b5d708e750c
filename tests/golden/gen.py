#!/usr/bin/env python3
"""Generates framewire's golden vectors with NumPy, with the reference code of docs/FORMATS.md.

Run from the repository root:  python3 tests/golden/gen.py
(needs numpy; the output is committed so `cargo test` needs no Python.)

Writes, under tests/golden/:
  sample.sac                 the 2x3 SAC sample of docs/FORMATS.md §2.5 (build_sac, verbatim)
  sac/*.sac + sac/cases.json more SAC files with their int16 inputs
  vcbn/*.vcbn, *.in          VCBN envelopes and the raw float input they came from
  vcbn/cases.json            parameters of each envelope case
  quant/*.bin, cases.json    NumPy quantization of random bit patterns
  floats.txt                 10,000+ doubles and json.dumps of each

The encoder follows docs/FORMATS.md §4: `a = np.asarray(data, dtype=np.float32)`,
`scaled = (a - vmin) * (resolution / denom)` with Python-float vmin/denom
(NumPy 2 weak scalars: the arithmetic stays float32), non-finite -> 0, clip,
astype.
"""

import json
import os
import struct
import sys

import numpy as np

ROOT = os.path.dirname(os.path.abspath(__file__))
RNG = np.random.default_rng(20261123)

# ----------------------------------------------------------------------------
# The Python reference encoders of docs/FORMATS.md.

SAC_MAGIC = b"SAC1"
DTYPE_INT16 = 1


def to_c_contiguous_i16(x):
    x = np.asarray(x, dtype=np.int16)
    if not x.flags["C_CONTIGUOUS"]:
        x = np.ascontiguousarray(x)
    return x


def build_sac(a, b, width=0, height=0):
    a = to_c_contiguous_i16(a)
    b = to_c_contiguous_i16(b)
    length_a = int(a.size)
    length_b = int(b.size)
    if width and height:
        assert length_a == width * height, "A length != width*height"
        assert length_b == width * height, "B length != width*height"
    header = struct.pack(
        "<4sBBBBIIII", SAC_MAGIC, 0, DTYPE_INT16, 2, 0, length_a, length_b, width, height
    )
    return header + a.tobytes(order="C") + b.tobytes(order="C")


def encode_data(data, vmin, vmax, dtype="uint16"):
    """ImgPack's encode_data, per docs/FORMATS.md §4."""
    a = np.asarray(data, dtype=np.float32)
    resolution = 255 if dtype == "uint8" else 4096
    vmin = float(vmin)
    vmax = float(vmax)
    denom = vmax - vmin
    with np.errstate(all="ignore"):
        if not np.isfinite(denom) or denom <= 0:
            q = np.zeros(a.shape, dtype=dtype)
        else:
            scaled = (a - vmin) * (resolution / denom)
            assert scaled.dtype == np.float32, scaled.dtype
            scaled[~np.isfinite(scaled)] = 0
            q = np.clip(scaled, 0, resolution).astype(dtype)
    blob = q.astype("<u2" if dtype == "uint16" else "u1").tobytes(order="C")
    header = {
        "fmt": "vcbin",
        "version": 1,
        "dtype": dtype,
        "endianness": "LE",
        "shape": [int(s) for s in a.shape],
        "order": "C",
        "size": len(blob) / 1048576,
        "resolution": resolution,
        "vmin": vmin,
        "vmax": vmax,
    }
    return blob, header


def pack_envelope(blob, header, magic=b"VCBN"):
    hj = json.dumps(header, separators=(",", ":")).encode("utf-8")
    pre = magic + bytes([1]) + struct.pack(">I", len(hj))
    pad = b"\x00" if (len(pre) + len(hj)) % 2 else b""
    return pre + hj + pad + blob


# ----------------------------------------------------------------------------


def write(path, data):
    full = os.path.join(ROOT, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "wb") as f:
        f.write(data)


def bits64(x):
    return "0x%016x" % struct.unpack("<Q", struct.pack("<d", x))[0]


def special_f32(n):
    """n float32 values: random bit patterns mixed with the hard cases."""
    bits = RNG.integers(0, 2**32, size=n, dtype=np.uint64).astype(np.uint32)
    v = bits.view(np.float32).copy()
    specials = np.array(
        [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 0.5, 1e-45, -1e-45,
         1.1754942e-38, 3.4028235e38, -3.4028235e38, 0.25, 0.75, 0.999999, 1.000001],
        dtype=np.float32,
    )
    # NaN payloads: quiet and signalling, both signs.
    nan_bits = np.array([0x7FC00001, 0xFFC00000, 0x7F800001, 0xFF800123, 0x7FFFFFFF], dtype=np.uint32)
    v[: len(specials)] = specials
    v[len(specials): len(specials) + len(nan_bits)] = nan_bits.view(np.float32)
    # Dense values around a typical range, where clip edges and truncation bite.
    k = n // 4
    v[n - k:] = RNG.uniform(-0.25, 1.25, size=k).astype(np.float32)
    return v


def sac_cases():
    ax = np.array([[0, 1, -1], [2, -2, 3]], dtype=np.int16)
    ay = np.array([[5, -5, 4], [-4, 0, 1]], dtype=np.int16)
    sample = build_sac(ax.ravel(), ay.ravel(), width=3, height=2)
    write("sample.sac", sample)

    cases = []

    def add(name, a, b, width, height):
        data = build_sac(a, b, width, height)
        write("sac/%s.sac" % name, data)
        write("sac/%s.a.i16" % name, np.asarray(a, dtype="<i2").tobytes())
        write("sac/%s.b.i16" % name, np.asarray(b, dtype="<i2").tobytes())
        cases.append({"name": name, "width": width, "height": height,
                      "length_a": int(np.asarray(a).size), "length_b": int(np.asarray(b).size)})

    add("empty", np.zeros(0, np.int16), np.zeros(0, np.int16), 0, 0)
    add("no_shape", np.arange(-5, 5, dtype=np.int16), np.arange(7, dtype=np.int16), 0, 0)
    add("width_only", np.arange(6, dtype=np.int16), np.arange(4, dtype=np.int16), 3, 0)
    ext = np.array([-32768, 32767, 0, -1, 1, 256, -256, 12345], dtype=np.int16)
    add("extremes_4x2", ext, ext[::-1].copy(), 4, 2)
    r = RNG.integers(-32768, 32768, size=(17, 13)).astype(np.int16)
    s = RNG.integers(-32768, 32768, size=(17, 13)).astype(np.int16)
    add("random_13x17", r.ravel(), s.ravel(), 13, 17)
    write("sac/cases.json", json.dumps(cases, indent=1).encode())


def vcbn_cases():
    cases = []

    def add(name, data, vmin, vmax, dtype, kind="f32", magic=b"VCBN"):
        if kind == "f32":
            raw = np.asarray(data, dtype="<f4")
        elif kind == "f64":
            raw = np.asarray(data, dtype="<f8")
        else:
            raise ValueError(kind)
        blob, header = encode_data(raw, vmin, vmax, dtype)
        env = pack_envelope(blob, header, magic)
        write("vcbn/%s.vcbn" % name, env)
        write("vcbn/%s.in" % name, raw.tobytes(order="C"))
        hlen = struct.unpack(">I", env[5:9])[0]
        cases.append({
            "name": name, "kind": kind, "dtype": dtype,
            "shape": list(raw.shape),
            "vmin": bits64(float(vmin)), "vmax": bits64(float(vmax)),
            "header_len": hlen, "magic": magic.decode(),
        })

    lin = np.linspace(0, 1, 64 * 64, dtype=np.float32).reshape(64, 64)
    add("readme_linspace_u16", lin, 0.0, 1.0, "uint16")
    add("readme_linspace_u8", lin, 0.0, 1.0, "uint8")
    sp = special_f32(48 * 40).reshape(48, 40)
    add("specials_u16", sp, 0.0, 1.0, "uint16")
    add("specials_u8", sp, 0.0, 1.0, "uint8")
    add("specials_neg_range_u16", sp, -1e-05, 2.5e-05, "uint16")
    add("specials_huge_range_u8", sp, -3e38, 3e38, "uint8")
    add("specials_huge_range_u16", sp, -1.7e308, 1.7e308, "uint16")
    add("specials_tiny_range_u16", sp, 1.0, 1.0000000000000002, "uint16")
    add("specials_tiny_range2_u8", sp, 0.5, 0.5 + 1e-12, "uint8")
    add("vmin_eq_vmax_u16", sp, 0.5, 0.5, "uint16")
    add("vmin_gt_vmax_u8", sp, 2.0, -2.0, "uint8")
    add("neg_zero_u16", np.array([[-0.0, 0.0], [1.0, -1.0]], dtype=np.float32), -0.0, 1.0, "uint16")
    add("neg_zero_vmax_u8", np.array([[-0.0, 0.0, -1.0]], dtype=np.float32), -1.0, -0.0, "uint8")
    add("big_vmin_u16", sp, 1e16, 3e16, "uint16")
    add("small_vmin_u16", sp, 1e-300, 1e-4, "uint16")
    add("out_of_f32_vmin_u16", sp, -1e300, 1e300, "uint16")
    # Header parity: one digit more or less in the shape flips HEADER_LEN's parity.
    for h, w in [(1, 1), (1, 10), (10, 10), (3, 7), (7, 100), (0, 5), (5, 0)]:
        d = RNG.uniform(-3, 3, size=(h, w)).astype(np.float32)
        add("shape_%dx%d_u16" % (h, w), d, -2.0, 2.0, "uint16")
        add("shape_%dx%d_u8" % (h, w), d, -2.0, 2.0, "uint8")
    f64 = RNG.normal(size=(20, 30)) * 1e3
    f64.ravel()[:6] = [np.nan, np.inf, -np.inf, 1e300, -1e-300, -0.0]
    add("f64_input_u16", f64, -2000.0, 2000.0, "uint16", kind="f64")
    add("f64_input_u8", f64, -1500.5, 1499.25, "uint8", kind="f64")
    add("alias_impk_u16", lin[:8, :8], 0.0, 1.0, "uint16", magic=b"IMPK")
    add("alias_cbin_u8", lin[:8, :8], 0.0, 1.0, "uint8", magic=b"CBIN")
    parities = {c["header_len"] % 2 for c in cases}
    assert parities == {0, 1}, "need both odd and even header lengths"
    write("vcbn/cases.json", json.dumps(cases, indent=1).encode())

    # Complex input: np.asarray(z, float32) keeps the real part (ComplexWarning);
    # the magnitude option follows np.abs. Stored for the Rust tests.
    z = (RNG.normal(size=(16, 16)) + 1j * RNG.normal(size=(16, 16))).astype(np.complex64)
    z.ravel()[:4] = [np.nan + 1j, 1 + 1j * np.inf, -np.inf + 0j, 0 - 0j]
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        blob_re, _ = encode_data(z, -2.0, 2.0, "uint16")
        blob_mag, _ = encode_data(np.abs(z), 0.0, 3.0, "uint16")
    write("vcbn/complex.in", z.astype("<c8").tobytes())
    write("vcbn/complex_real_u16.levels", blob_re)
    write("vcbn/complex_mag_u16.levels", blob_mag)


def quant_cases():
    n = 4096
    src = special_f32(n)
    write("quant/input.f32", src.astype("<f4").tobytes())
    cases = []
    ranges = [
        (0.0, 1.0), (-1.0, 1.0), (-0.25, 1.25), (1e-6, 2e-6), (-3e38, 3e38),
        (-1e308, 1e308), (0.0, 1e-30), (5.0, 5.0), (1.0, -1.0), (-0.0, 0.0),
        (0.1, 0.7), (-100.0, 1e4), (1e30, 1e31), (-1e-40, 1e-40),
    ]
    for i, (lo, hi) in enumerate(ranges):
        for dtype in ("uint8", "uint16"):
            blob, _ = encode_data(src, lo, hi, dtype)
            name = "q%02d_%s" % (i, dtype)
            write("quant/%s.bin" % name, blob)
            cases.append({"name": name, "dtype": dtype, "vmin": bits64(lo), "vmax": bits64(hi)})
    write("quant/cases.json", json.dumps(cases, indent=1).encode())


def float_cases():
    vals = []
    # Random bit patterns over the whole double range (finite only).
    bits = RNG.integers(0, 2**63, size=6000, dtype=np.uint64)
    for b in bits:
        x = struct.unpack("<d", struct.pack("<Q", int(b) | (int(RNG.integers(0, 2)) << 63)))[0]
        if np.isfinite(x):
            vals.append(x)
    # Every decade and its neighbours, both signs: where repr switches layout.
    for e in range(-330, 310):
        for m in (1.0, 1.5, 9.999999999999999, 2.5, 7.0):
            try:
                x = float("%re%d" % (m, e))
            except OverflowError:
                continue
            if np.isfinite(x):
                vals.extend([x, -x, np.nextafter(x, np.inf), np.nextafter(x, -np.inf)])
    # Integers near 2**53 and 1e16, subnormals, ordinary decimals.
    for k in range(-50, 50):
        vals.extend([float(2**53 + k), float(10**16 + k * 2), float(10**15 + k)])
    vals.extend([5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
                 0.0, -0.0, 0.1, 0.2, 0.3, 1 / 3, 2 / 3, 0.0001, 0.00001, 1e-05, 1.5e-07,
                 123456789012345680.0, 1e22, 1e23, 9007199254740993.0])
    # Exact ties at the last of 17 digits (Python rounds them to even): k/8
    # and k/16 near 1e14..1e15 have more binary than decimal precision.
    for k in RNG.integers(2**49, 2**53, size=1500):
        vals.extend([int(k) / 8, int(k) / 16, -int(k) / 32])
    vals.extend(RNG.uniform(-1, 1, size=1000).tolist())
    vals.extend((RNG.uniform(0, 1, size=1000) * 10.0 ** RNG.integers(-20, 20, size=1000)).tolist())
    lines = ["%s %s" % (bits64(x), json.dumps(x)) for x in vals]
    assert len(lines) >= 10000, len(lines)
    write("floats.txt", ("\n".join(lines) + "\n").encode())


def main():
    print("numpy", np.__version__, file=sys.stderr)
    sac_cases()
    vcbn_cases()
    quant_cases()
    float_cases()


if __name__ == "__main__":
    main()
