"""Every error cause, raised as its FramewireError subclass with the Rust message; every strict prefix is an error."""

import struct

import numpy as np
import pytest

import framewire as fw

SAC = fw.build_sac(np.arange(6), -np.arange(6), width=3, height=2)
FRAME = fw.encode_vcbn(np.linspace(0, 1, 6).reshape(2, 3), 0.0, 1.0)


def envelope(json_text, blob=b"", magic=b"VCBN", version=1, pad=None):
    j = json_text.encode() if isinstance(json_text, str) else json_text
    if pad is None:
        pad = (9 + len(j)) % 2
    return magic + bytes([version]) + struct.pack(">I", len(j)) + j + b"\0" * pad + blob


def sac_header(flags=0, dtype=1, count=2, la=0, lb=0, w=0, h=0):
    return struct.pack("<4sBBBBIIII", b"SAC1", flags, dtype, count, 0, la, lb, w, h)


H = '"dtype":"uint8","shape":[1,2]'

CASES = [
    # (code, callable, message fragment)
    ("Truncated", lambda: fw.parse_sac(SAC[:30]), "truncated input: the frame needs 48 bytes but the input ends after 30"),
    ("Truncated", lambda: fw.unpack_envelope(FRAME[:-1]), "truncated input"),
    ("TrailingBytes", lambda: fw.parse_sac(SAC + b"\0"), "trailing"),
    ("TrailingBytes", lambda: fw.unpack_envelope(FRAME + b"\0"), "trailing"),
    ("BadMagic", lambda: fw.parse_sac(b"SAC2" + SAC[4:]), "magic"),
    ("BadMagic", lambda: fw.unpack_envelope(b"XXXX" + FRAME[4:]), "magic"),
    ("UnsupportedDtypeCode", lambda: fw.parse_sac(sac_header(dtype=2)), "dtype_code 2"),
    ("UnsupportedArrayCount", lambda: fw.parse_sac(sac_header(count=3)), "arrays_count"),
    ("ShapeMismatch", lambda: fw.parse_sac(sac_header(la=1, lb=1, w=2, h=2) + b"\0" * 4), ""),
    ("ShapeMismatch", lambda: fw.build_sac(np.zeros(5), np.zeros(6), 3, 2), ""),
    ("TooManyElements", lambda: fw.build_sac(np.broadcast_to(np.int16(0), (2**32,)), [0]), ""),
    ("TooManyElements", lambda: fw.build_sac([0], [0], width=2**32, height=0), ""),
    ("SizeOverflow", lambda: fw.unpack_envelope(envelope('{"dtype":"uint16","shape":[18446744073709551615,3]}')), ""),
    ("UnsupportedVersion", lambda: fw.unpack_envelope(envelope("{" + H + "}", b"\0\0", version=0)), "version"),
    ("HeaderTooLong", lambda: fw.unpack_envelope(b"VCBN\x01" + struct.pack(">I", 65537) + b"{}"), ""),
    ("HeaderNotUtf8", lambda: fw.unpack_envelope(envelope(b'{"dtype":"\xff"}')), "UTF-8"),
    ("JsonSyntax", lambda: fw.unpack_envelope(envelope('{"dtype":')), ""),
    ("JsonTooDeep", lambda: fw.unpack_envelope(envelope('{"x":' + "[" * 40 + "]" * 40 + "," + H + "}", b"\0\0")), ""),
    ("JsonNumberTooLong", lambda: fw.unpack_envelope(envelope('{"x":' + "1" * 600 + "," + H + "}", b"\0\0")), ""),
    ("DuplicateField", lambda: fw.unpack_envelope(envelope("{" + H + ',"dtype":"uint8"}', b"\0\0")), ""),
    ("MissingField", lambda: fw.unpack_envelope(envelope('{"shape":[1,2]}', b"\0\0")), "dtype"),
    ("WrongType", lambda: fw.unpack_envelope(envelope('{"dtype":8,"shape":[1,2]}', b"\0\0")), ""),
    ("UnknownDtype", lambda: fw.unpack_envelope(envelope('{"dtype":"float32","shape":[1,2]}', b"\0\0")), ""),
    ("BadShape", lambda: fw.unpack_envelope(envelope('{"dtype":"uint8","shape":[1,2,3]}', b"\0\0")), ""),
    ("InvalidValue", lambda: fw.unpack_envelope(envelope("{" + H + ',"order":"X"}', b"\0\0")), ""),
    ("NonFiniteRange", lambda: fw.encode_vcbn(np.zeros((2, 2)), 0.0, float("inf")), "vmax"),
    ("NonFiniteRange", lambda: fw.encode_vcbn(np.array([[0.0, np.inf]])), ""),
    ("LengthMismatch", lambda: fw.blob_to_ndarray({"dtype": "uint16", "shape": [2, 2]}, b"\0" * 7), ""),
    ("UnknownDtype", lambda: fw.blob_to_ndarray({"dtype": "int8", "shape": [2, 2]}, b"\0" * 4), ""),
    ("JsonSyntax", lambda: fw.blob_to_ndarray([1, 2], b""), ""),
    ("Truncated", lambda: fw.pack_envelope(b"\0" * 3, {"dtype": "uint16", "shape": [1, 2]}), ""),
    ("BadMagic", lambda: fw.pack_envelope(b"\0\0", {"dtype": "uint8", "shape": [1, 2]}, magic=b"NOPE"), ""),
    ("BitsOutOfRange", lambda: fw.encode(np.zeros((2, 2)), 0.0, 1.0, "uint8", 9), "bits 9 does not fit the dtype (expected 1 to 8)"),
]


@pytest.mark.parametrize("code,call,fragment", CASES, ids=[c[0] for c in CASES])
def test_error_cause(code, call, fragment):
    with pytest.raises(fw.FramewireError) as info:
        call()
    e = info.value
    assert isinstance(e, ValueError)
    assert e.code == code, str(e)
    assert type(e) is getattr(fw, code) and type(e).__name__ == code
    assert fragment in str(e)


def test_every_core_cause_is_covered():
    """All of docs/FORMATS.md §7 but three the package cannot meet: it sizes
    every output itself (BufferTooSmall) and copies imgpack levels only into
    the type that holds them (WrongDataKind, LevelsTooWide)."""
    covered = {c[0] for c in CASES}
    assert covered == set(fw._errors._CODES) - {"BufferTooSmall", "WrongDataKind", "LevelsTooWide"}


def test_offsets_point_at_the_cause():
    with pytest.raises(fw.JsonSyntax) as info:
        fw.unpack_envelope(envelope('{"dtype":}'))
    assert info.value.offset == 9 + len('{"dtype":')
    with pytest.raises(fw.UnsupportedDtypeCode) as info:
        fw.parse_sac(sac_header(dtype=7))
    assert info.value.offset == 5


def test_argument_errors_are_value_errors():
    with pytest.raises(ValueError):
        fw.encode_data(np.zeros(4), 0, 1)  # not 2-D
    with pytest.raises(ValueError):
        fw.encode_data(np.zeros((2, 2)), 0, 1, "int32")
    with pytest.raises(ValueError):
        fw.encode_vcbn(np.full((2, 2), np.nan))  # no default range
    with pytest.raises(ValueError):
        fw.build_sac([0], [0], width=-1)
    with pytest.raises(ValueError):
        fw.dequantize(np.zeros(2, np.uint8), 0, 1, 0)


def test_pickle_keeps_fields():
    import pickle

    try:
        fw.parse_sac(b"")
    except fw.FramewireError as e:
        e2 = pickle.loads(pickle.dumps(e))
        assert (type(e2), str(e2), e2.code, e2.offset) == (type(e), str(e), e.code, e.offset)


VALID = [
    SAC,
    FRAME,
    fw.encode_vcbn(np.ones((3, 5)), 0.0, 2.0, "uint8"),
    fw.vcbn_bytes(np.ones((0, 4)), 0.0, 1.0, magic=b"IMPK"),
    fw.build_sac([], []),
    fw.build_sac([1, 2, 3], [4]),
]


@pytest.mark.parametrize("buf", VALID)
def test_every_strict_prefix_is_an_error(buf):
    decode = fw.parse_sac if buf[:4] == b"SAC1" else fw.unpack_envelope
    decode(buf)
    for n in range(len(buf)):
        with pytest.raises(fw.FramewireError) as info:
            decode(buf[:n])
        assert info.value.code in ("Truncated", "BadMagic"), (n, info.value)
        with pytest.raises(fw.FramewireError):
            decode(bytearray(buf[:n]))


def test_the_type_stubs_declare_every_error_class():
    """``_errors.pyi`` names each class ``_errors.py`` makes at run time
    (type checkers read the stub, not the generated classes)."""
    import ast
    import os

    import framewire

    stub = os.path.join(os.path.dirname(framewire.__file__), "_errors.pyi")
    with open(stub, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    declared = {
        node.name: [b.id for b in node.bases if isinstance(b, ast.Name)]
        for node in tree.body
        if isinstance(node, ast.ClassDef)
    }
    assert declared.pop("FramewireError") == ["ValueError"]
    assert declared == {code: ["FramewireError"] for code in framewire.CLASSES}
