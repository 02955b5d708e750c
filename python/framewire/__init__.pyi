"""Type stubs of framewire (the functions are implemented in Rust)."""

from typing import Any, Dict, List, Literal, Optional, Tuple, Union

import numpy as np
import numpy.typing as npt

from ._errors import *  # noqa: F401,F403
from ._errors import FramewireError as FramewireError
from ._types import Frame as Frame
from ._types import SacFile as SacFile

_Buffer = Union[bytes, bytearray, memoryview, np.ndarray]
# The name, or np.dtype("uint8") / np.dtype("uint16") (equal to their names);
# the scalar types np.uint8 / np.uint16 are not names and are refused.
_Dtype = Union[Literal["uint8", "uint16"], np.dtype]

__version__: str

def quantize(data: npt.ArrayLike, vmin: float, vmax: float, dtype: _Dtype = "uint16") -> np.ndarray:
    """Levels of ``data`` for the range ``vmin..vmax`` (docs/FORMATS.md §4.4's ``quantize``).

    ``data`` is read as ``np.asarray(data, dtype=np.float32)`` reads it (f64
    rounded to f32, complex: the real part, integers and bool converted);
    the result has its shape, dtype ``uint8`` (0..=255) or ``uint16``
    (0..=4096). NaN and infinities become 0; a range that is not finite or
    not positive gives zeros. Bit-identical to the reference; the loop runs
    without the GIL, on several threads for large arrays.
    """

def encode_data(data: npt.ArrayLike, vmin: float, vmax: float, dtype: _Dtype = "uint16") -> Tuple[bytes, Dict[str, Any]]:
    """``(blob, header)`` for a 2-D array: ImgPack's ``encode_data``.

    ``blob`` is the little-endian levels (C order), ``header`` the dict
    ``{"fmt", "version", "dtype", "endianness", "shape", "order", "size",
    "resolution", "vmin", "vmax"}`` in that order. ``ValueError`` for an
    array that is not 2-D or another dtype.
    """

def pack_envelope(blob: _Buffer, header: Dict[str, Any], magic: bytes = b"VCBN") -> bytes:
    """``MAGIC | 1 | HEADER_LEN (u32 BE) | json.dumps(header, separators=(",", ":")) | PAD | blob``.

    ImgPack's ``pack_envelope``, byte for byte, for any header dict. Raises a
    ``FramewireError`` instead of returning an envelope framewire's decoder
    would refuse (a header that does not describe ``blob``, a bad magic).
    """

def vcbn_bytes(data: npt.ArrayLike, vmin: float, vmax: float, dtype: _Dtype = "uint16", magic: bytes = b"VCBN") -> bytes:
    """``pack_envelope(*encode_data(data, vmin, vmax, dtype), magic)`` in one pass
    (docs/FORMATS.md §3.10's ``vcbn_bytes``)."""

def encode_vcbn(
    data: npt.ArrayLike,
    vmin: Optional[float] = None,
    vmax: Optional[float] = None,
    dtype: _Dtype = "uint16",
    *,
    complex_part: Literal["real", "magnitude"] = "real",
) -> bytes:
    """framewire's one-call VCBN encoder, with the Rust core's canonical header.

    A missing ``vmin``/``vmax`` is the NaN-ignoring minimum/maximum of the
    data (``float(np.nanmin(x))``; for complex input, of the part quantized).
    Non-finite ranges raise ``NonFiniteRange``. For finite ranges the bytes
    equal ``vcbn_bytes``'s. ``complex_part="magnitude"`` quantizes ``|z|``
    computed in f64 and rounded to f32, which for complex64 input is not
    always ``np.abs(z)`` (NumPy computes that in f32; docs/FORMATS.md §4.2),
    and its default range is that of those magnitudes.
    """

def build_sac(a: npt.ArrayLike, b: npt.ArrayLike, width: int = 0, height: int = 0) -> bytes:
    """A SAC v1 file of two int16 arrays (flattened, C order), as docs/FORMATS.md §2.6's ``sac_bytes``.

    Arrays are read as ``np.asarray(x, dtype=np.int16)``. When ``width`` and
    ``height`` are both non-zero, both arrays must have ``width * height``
    elements (``ShapeMismatch``); more than 2**32 - 1 elements, or a
    dimension above it, is ``TooManyElements``.
    """

def sac_bytes(a: npt.ArrayLike, b: npt.ArrayLike, width: int = 0, height: int = 0) -> bytes:
    """docs/FORMATS.md §2.6's name for ``build_sac``."""

def unpack_envelope(buf: _Buffer) -> Tuple[Dict[str, Any], memoryview]:
    """``(header, blob)`` of one whole VCBN (or IMPK/CBIN) envelope.

    The Rust decoder checks everything docs/FORMATS.md §3.7 lists; ``header``
    is the header JSON as ``json.loads`` reads it and ``blob`` a read-only
    ``memoryview`` of ``buf`` (no copy; ``bytes(blob)`` copies it).
    """

def blob_to_ndarray(header: Dict[str, Any], blob: _Buffer) -> np.ndarray:
    """The levels in ``blob`` as ``header`` describes them: a read-only view, shape ``(H, W)``.

    dtype ``uint8``, ``<u2`` or ``>u2`` (``"endianness": "BE"``), Fortran
    order for ``"order": "F"``. The header is checked by the Rust decoder's
    rules; a blob of another length is ``LengthMismatch``.
    """

def parse_sac(buf: _Buffer) -> SacFile:
    """``SacFile(a, b, width, height, flags)``: ``a`` and ``b`` are read-only ``<i2`` views of ``buf``."""

def dequantize(levels: npt.ArrayLike, vmin: float, vmax: float, resolution: int) -> Union[np.ndarray, np.float32]:
    """The value each level stands for: ``f32(vmin + q * ((vmax - vmin) / resolution))`` (docs/FORMATS.md §4.3).

    Levels of any integer, bool or float dtype (``uint8`` and ``uint16`` go
    through the Rust core, others through NumPy); the result is ``float32``
    of their shape (a ``np.float32`` scalar for 0-d levels, as the
    reference's arithmetic gives). ``ValueError`` for a ``resolution`` outside 1..=2**32-1 or
    levels of another kind (complex, strings, objects).
    """

_ImgpackDtype = Literal["packed", "uint8", "uint16", "uint32", "float16", "float32", "float64"]

def encode(
    data: npt.ArrayLike,
    vmin: Optional[float],
    vmax: Optional[float],
    dtype: _ImgpackDtype = "uint16",
    bits: int = 12,
    *,
    endianness: Literal["LE", "BE"] = "LE",
) -> bytes:
    """One message of imgpack's latest layout (docs/FORMATS.md §8): imgpack's ``encode``, byte for byte.

    ``HEADER_LEN (u32 BE) | header JSON | pad to the element size | blob``.
    ``dtype`` (compared lower-cased, as imgpack does): ``"packed"`` (an
    LSB-first stream of ``bits``-bit levels, ``bits`` 1..32), ``"uint8"``,
    ``"uint16"``, ``"uint32"`` (levels of ``bits`` bits, 1..8/16/32, in that
    container, ``endianness`` ``"LE"`` or ``"BE"``), or ``"float16"``,
    ``"float32"``, ``"float64"`` (the values converted as NumPy's ``astype``
    converts them, not quantized; ``bits`` is ignored). Levels are
    ``trunc(clip((x - vmin) * ((2**bits - 1) / (vmax - vmin)), 0, 2**bits - 1))``
    in float32, NaN and infinities 0, all 0 when ``vmax - vmin`` is not finite
    and positive. ``data`` is read as imgpack reads it: any 2-D array or
    nested list (float64 rounded to float32 for the levels; integers, bool,
    float16, big-endian and non-contiguous arrays converted by NumPy).
    ``vmin``/``vmax`` ``None``: ``float(np.nanmin(data))``/``nanmax`` (NaN
    when every sample is NaN, as imgpack writes it; ``ValueError`` for an
    empty array). ``BitsOutOfRange`` for a ``bits`` the dtype cannot hold;
    ``ValueError`` for another dtype, an ``endianness`` other than ``"LE"``
    or ``"BE"`` (ignored for ``"packed"``, as imgpack ignores it), or an
    array that is not 2-D. Runs without the GIL.
    """

def decode(buf: _Buffer) -> Tuple[Dict[str, Any], np.ndarray]:
    """``(header, data)`` of one whole message of imgpack's latest layout: imgpack's ``decode``.

    ``header`` is the header JSON as ``json.loads`` reads it (every key, in
    its order, ``None`` for ``null``s, unknown keys included). ``data`` has
    shape ``(H, W)`` (Fortran order for ``"order": "F"``) and the dtype
    imgpack's decoder gives: for ``uint8``/``uint16``/``uint32`` and the
    floats a read-only view of ``buf`` in the stored byte order (``<u2``,
    ``>f4``, ...; no copy); for ``packed`` a new array of the levels in the
    smallest of uint8/uint16/uint32 that holds ``bits``. The Rust decoder
    checks everything docs/FORMATS.md §8.6 lists (where imgpack's decoders
    are lax): a ``bits`` within the dtype's range, ``endianness`` ``"LE"``,
    ``"BE"`` (or ``null`` for ``packed`` and ``uint8``), and a blob of exactly
    the length the header gives (``Truncated``/``TrailingBytes``).
    """

class Decoder:
    """A push decoder for SAC and VCBN frames back to back in a byte stream.

    ``feed`` takes chunks of any size and returns, in stream order, the
    frames completed (``Frame``) and the errors found (``FramewireError``
    instances whose ``offset`` is the frame's stream offset). The same bytes
    give the same items whatever the chunking. In strict mode (the default)
    it stops at the first error; with ``resync=True`` it scans on for the
    next magic. ``finish`` reports a frame cut short at the end. A frame
    the decoder passes but NumPy cannot hold (a shape whose byte size is
    above ``intp``) is a ``SizeOverflow`` item like the others: strict mode
    stops there too.

    A decoder is one stream's state: use it from one thread at a time. A
    call made while another thread's call on the same decoder is running
    raises ``RuntimeError`` ("Already borrowed") and leaves the state as the
    running call leaves it.
    """

    def __init__(self, *, resync: bool = False, max_json_len: int = 65536) -> None: ...
    def feed(self, data: _Buffer) -> List[Union[Frame, FramewireError]]: ...
    def finish(self) -> List[Union[Frame, FramewireError]]: ...
    def reset(self) -> None:
        """Forgets any partial frame and the error that stopped the decoder; the
        next byte fed starts a frame. ``position`` (and so the offsets of what
        follows) goes on counting."""
    @property
    def position(self) -> int: ...
    @property
    def is_stopped(self) -> bool: ...
    @property
    def resync(self) -> bool: ...
