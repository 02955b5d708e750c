"""framewire: SAC v1 files and VCBN envelopes for NumPy arrays.

Every byte is framewire's Rust core's (the crate of the same name); the
output is byte-identical to the NumPy reference code of docs/FORMATS.md and
to the ImgPack functions of the same names, so switching a server is an
import line::

    from framewire import encode_data, pack_envelope   # was: from imgpack.utils import ...

Encoders: ``encode_data``, ``pack_envelope``, ``vcbn_bytes``, ``encode_vcbn``,
``quantize``, ``build_sac`` (alias ``sac_bytes``). Decoders, returning
read-only views of your buffer: ``unpack_envelope``, ``blob_to_ndarray``,
``parse_sac``, ``dequantize``, and the streaming ``Decoder``. imgpack's
latest (magic-less) layout, docs/FORMATS.md §8: ``encode`` and ``decode``,
as imgpack's functions of those names. Bad input raises
a ``FramewireError`` (a ``ValueError``) subclass named after the cause.
"""

from __future__ import annotations

from . import _errors
from ._errors import *  # noqa: F401,F403  (one exception class per cause)
from ._errors import FramewireError
from ._types import Frame, SacFile
from ._framewire import (
    Decoder,
    blob_to_ndarray,
    build_sac,
    decode,
    dequantize,
    encode,
    encode_data,
    encode_vcbn,
    pack_envelope,
    parse_sac,
    quantize,
    unpack_envelope,
    vcbn_bytes,
)

#: ``build_sac`` is the name that servers written against SAC's original
#: Python code call; docs/FORMATS.md §2.6 writes the same encoder as ``sac_bytes``.
sac_bytes = build_sac

__version__ = "0.2.0"

__all__ = [
    "Decoder",
    "Frame",
    "FramewireError",
    "SacFile",
    "blob_to_ndarray",
    "build_sac",
    "decode",
    "dequantize",
    "encode",
    "encode_data",
    "encode_vcbn",
    "pack_envelope",
    "parse_sac",
    "quantize",
    "sac_bytes",
    "unpack_envelope",
    "vcbn_bytes",
    *_errors._CODES,
]
