"""The exceptions framewire raises: one class per cause, all ``ValueError``s."""

from __future__ import annotations

from typing import Dict, Optional, Type


class FramewireError(ValueError):
    """A frame or an encoder input is bad.

    ``str(e)`` is the Rust decoder's message (the same text the ``framewire``
    CLI and ``framewire.js`` give for the same bytes), ``code`` names the
    cause (``"Truncated"``, ``"BadMagic"``, ... as in docs/FORMATS.md §7) and
    ``offset`` is the byte it points at, or ``None``. Errors from the stream
    ``Decoder`` carry the stream offset of the frame they belong to.
    """

    def __init__(self, message: str, code: str = "FramewireError", offset: Optional[int] = None):
        super().__init__(message)
        self.code = code
        self.offset = offset

    def __reduce__(self):  # picklable, with its fields
        return (type(self), (str(self), self.code, self.offset))


_CODES = (
    "Truncated", "TrailingBytes", "BadMagic", "UnsupportedDtypeCode", "UnsupportedArrayCount",
    "ShapeMismatch", "TooManyElements", "SizeOverflow", "UnsupportedVersion", "HeaderTooLong",
    "HeaderNotUtf8", "JsonSyntax", "JsonTooDeep", "JsonNumberTooLong", "DuplicateField",
    "MissingField", "WrongType", "UnknownDtype", "BadShape", "InvalidValue", "NonFiniteRange",
    "BufferTooSmall", "LengthMismatch", "BitsOutOfRange", "WrongDataKind", "LevelsTooWide",
)

CLASSES: Dict[str, Type[FramewireError]] = {
    code: type(code, (FramewireError,), {"__doc__": f"framewire error {code} (docs/FORMATS.md §7).", "__module__": "framewire"})
    for code in _CODES
}

globals().update(CLASSES)
__all__ = ["FramewireError", "CLASSES", *_CODES]
