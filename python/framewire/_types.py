"""The result types of the decoders."""

from __future__ import annotations

from typing import Any, Dict, NamedTuple, Tuple

import numpy as np


class SacFile(NamedTuple):
    """A decoded SAC v1 file: ``a`` and ``b`` are read-only ``<i2`` views of the input."""

    a: np.ndarray
    b: np.ndarray
    width: int
    height: int
    flags: int


class Frame(NamedTuple):
    """A frame the stream ``Decoder`` completed.

    ``data`` holds the frame's bytes (a VCBN pad byte, which decoders skip
    unread, is given as 0); ``arrays`` are read-only views of ``data``: the
    VCBN levels ``(levels,)``, or the SAC arrays ``(a, b)``. ``header`` is
    the VCBN header JSON as a dict, or for SAC
    ``{"width", "height", "flags", "length_a", "length_b"}``.
    """

    offset: int
    format: str
    data: bytes
    header: Dict[str, Any]
    arrays: Tuple[np.ndarray, ...]
