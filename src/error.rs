//! The one error type of the crate.
//!
//! Every failure of every codec is a variant of [`Error`]: a small `Copy` enum
//! with no heap data. Each variant names one cause; its [`Display`] says what
//! was wrong and where (a byte offset into the input given to the function
//! that failed, or the header field).
//!
//! [`Display`]: core::fmt::Display

use core::fmt;

/// A named field of a SAC, VCBN or imgpack header, used in errors to say where the
/// problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Field {
    /// SAC `length_a` (elements of array A), or the array A given to the encoder.
    LengthA,
    /// SAC `length_b` (elements of array B), or the array B given to the encoder.
    LengthB,
    /// SAC `width`.
    Width,
    /// SAC `height`.
    Height,
    /// VCBN `HEADER_LEN`.
    HeaderLen,
    /// VCBN header key `dtype`.
    Dtype,
    /// VCBN header key `shape`.
    Shape,
    /// VCBN header key `endianness`.
    Endianness,
    /// VCBN header key `order`.
    Order,
    /// VCBN header key `resolution`.
    Resolution,
    /// VCBN header key `vmin`.
    Vmin,
    /// VCBN header key `vmax`.
    Vmax,
    /// The VCBN blob (the quantized samples).
    Blob,
    /// The samples given to a quantizer or encoder.
    Samples,
    /// imgpack header key `format`.
    Format,
    /// imgpack header key `version`.
    Version,
    /// imgpack header key `size`.
    Size,
    /// imgpack header key `bits`.
    Bits,
}

impl Field {
    /// The field's name as it appears in the format (`"dtype"`, `"length_a"`, …).
    pub const fn name(self) -> &'static str {
        match self {
            Field::LengthA => "length_a",
            Field::LengthB => "length_b",
            Field::Width => "width",
            Field::Height => "height",
            Field::HeaderLen => "HEADER_LEN",
            Field::Dtype => "dtype",
            Field::Shape => "shape",
            Field::Endianness => "endianness",
            Field::Order => "order",
            Field::Resolution => "resolution",
            Field::Vmin => "vmin",
            Field::Vmax => "vmax",
            Field::Blob => "blob",
            Field::Samples => "samples",
            Field::Format => "format",
            Field::Version => "version",
            Field::Size => "size",
            Field::Bits => "bits",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Everything that can go wrong, one variant per cause.
///
/// Offsets are byte offsets from the start of the input handed to the function
/// that returned the error (for a VCBN envelope, offset 0 is the first byte of
/// the magic; for [`crate::vcbn::Header::parse_json`], the first byte of the
/// JSON). The stream decoder wraps these in [`crate::stream::StreamError`],
/// which adds the offset of the frame in the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// The input ended before the frame did. `needed` is the length the frame
    /// requires (as far as it could be known), `available` how many bytes there are.
    Truncated {
        /// Bytes the frame needs.
        needed: u64,
        /// Bytes the input holds.
        available: u64,
    },
    /// The input holds more bytes than the frame (a single-message decode must
    /// consume everything).
    TrailingBytes {
        /// Bytes the frame occupies.
        expected: u64,
        /// Bytes the input holds.
        actual: u64,
    },
    /// The first four bytes are not a magic this decoder knows.
    BadMagic {
        /// The four bytes found at offset 0.
        found: [u8; 4],
        /// The magic(s) that were expected.
        expected: &'static str,
    },
    /// SAC `dtype_code` (offset 5) is not 1 (int16).
    UnsupportedDtypeCode {
        /// The code found.
        code: u8,
    },
    /// SAC `arrays_count` (offset 6) is not 2.
    UnsupportedArrayCount {
        /// The count found.
        count: u8,
    },
    /// SAC: `width * height` is non-zero and differs from a payload length.
    ShapeMismatch {
        /// `width` of the header.
        width: u32,
        /// `height` of the header.
        height: u32,
        /// Elements in array A.
        length_a: u64,
        /// Elements in array B.
        length_b: u64,
    },
    /// An array has more elements than the format can record (SAC stores
    /// lengths as `u32`).
    TooManyElements {
        /// Which array.
        field: Field,
        /// Its element count.
        len: u64,
    },
    /// A size computed from header fields does not fit in this target's
    /// address space (or in `u64`): `H*W*elem_size`, `24 + 2*length_a + …`.
    SizeOverflow {
        /// The field whose size overflowed.
        field: Field,
    },
    /// VCBN VERSION byte (offset 4) is 0; versions start at 1.
    UnsupportedVersion {
        /// The version byte found.
        version: u8,
    },
    /// The header length field (VCBN's `HEADER_LEN`, imgpack's 4-byte
    /// prefix) is over the decoder's limit.
    HeaderTooLong {
        /// The header length as read.
        len: u64,
        /// The decoder's limit.
        limit: u64,
        /// Where the length field starts: 5 in VCBN, 0 in imgpack's layout.
        offset: u64,
    },
    /// The VCBN header JSON is not valid UTF-8.
    HeaderNotUtf8 {
        /// Offset of the first invalid byte.
        offset: u64,
    },
    /// The VCBN header is not well-formed JSON.
    JsonSyntax {
        /// Offset of the offending byte (or of the end of the header).
        offset: u64,
        /// What the reader expected there.
        expected: &'static str,
    },
    /// The header JSON nests arrays/objects deeper than the decoder's limit.
    JsonTooDeep {
        /// Offset of the bracket that went over the limit.
        offset: u64,
        /// The depth limit.
        limit: u32,
    },
    /// A JSON number in the header is longer than [`crate::json::MAX_NUMBER_LEN`].
    JsonNumberTooLong {
        /// Offset of the number's first byte.
        offset: u64,
        /// The length limit.
        limit: u32,
    },
    /// A header key appears twice.
    DuplicateField {
        /// The key.
        field: Field,
        /// Offset of the second occurrence.
        offset: u64,
    },
    /// A required header key (`dtype`, `shape`) is absent.
    MissingField {
        /// The key.
        field: Field,
    },
    /// A header value has the wrong JSON type.
    WrongType {
        /// The key.
        field: Field,
        /// Offset of the value.
        offset: u64,
        /// The type that was expected.
        expected: &'static str,
    },
    /// `dtype` is a string other than `"uint8"` or `"uint16"`.
    UnknownDtype {
        /// Offset of the value.
        offset: u64,
    },
    /// `shape` is not a list of exactly two non-negative integers.
    BadShape {
        /// Offset of the offending value.
        offset: u64,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A header value has the right type but is not allowed
    /// (`endianness`, `order`, `resolution`).
    InvalidValue {
        /// The key.
        field: Field,
        /// Offset of the value.
        offset: u64,
        /// What is allowed.
        expected: &'static str,
    },
    /// The encoder was given a non-finite `vmin` or `vmax` (JSON cannot carry it).
    NonFiniteRange {
        /// `Vmin` or `Vmax`.
        field: Field,
    },
    /// An output buffer is too small.
    BufferTooSmall {
        /// Bytes (or elements, for typed buffers) needed.
        needed: u64,
        /// Bytes (or elements) available.
        available: u64,
    },
    /// Two lengths that must agree do not (samples vs. shape, source vs.
    /// destination of a kernel, a copy-out buffer vs. the array).
    LengthMismatch {
        /// What was measured.
        field: Field,
        /// The length required.
        expected: u64,
        /// The length given.
        actual: u64,
    },
    /// The imgpack encoder was given a `bits` its dtype cannot hold
    /// (`packed` and `uint32`: 1..=32, `uint8`: 1..=8, `uint16`: 1..=16).
    BitsOutOfRange {
        /// The `bits` given.
        bits: u32,
        /// The largest `bits` of the dtype.
        max: u32,
    },
    /// An operation on n-bit levels (copy-out, dequantization) was asked of
    /// imgpack float data, or a float operation of levels.
    WrongDataKind {
        /// The frame's dtype.
        dtype: &'static str,
        /// What the operation needs.
        needed: &'static str,
    },
    /// imgpack levels were to be copied into an integer type narrower than
    /// the frame's level type.
    LevelsTooWide {
        /// Bits of the frame's level type (the smallest of 8/16/32 that
        /// holds `bits` for `packed`, the container for `uint8/16/32`).
        level_bits: u32,
        /// Bits of the destination's element type.
        dst_bits: u32,
    },
}

impl Error {
    /// Moves every offset in this error forward by `by` bytes. Used when an
    /// error found in a sub-slice (the header JSON) is reported against the
    /// whole input. Offsets saturate rather than wrap.
    #[must_use]
    pub const fn shifted(self, by: u64) -> Error {
        match self {
            Error::HeaderNotUtf8 { offset } => Error::HeaderNotUtf8 {
                offset: offset.saturating_add(by),
            },
            Error::JsonSyntax { offset, expected } => Error::JsonSyntax {
                offset: offset.saturating_add(by),
                expected,
            },
            Error::JsonTooDeep { offset, limit } => Error::JsonTooDeep {
                offset: offset.saturating_add(by),
                limit,
            },
            Error::JsonNumberTooLong { offset, limit } => Error::JsonNumberTooLong {
                offset: offset.saturating_add(by),
                limit,
            },
            Error::DuplicateField { field, offset } => Error::DuplicateField {
                field,
                offset: offset.saturating_add(by),
            },
            Error::WrongType {
                field,
                offset,
                expected,
            } => Error::WrongType {
                field,
                offset: offset.saturating_add(by),
                expected,
            },
            Error::UnknownDtype { offset } => Error::UnknownDtype {
                offset: offset.saturating_add(by),
            },
            Error::BadShape { offset, reason } => Error::BadShape {
                offset: offset.saturating_add(by),
                reason,
            },
            Error::InvalidValue {
                field,
                offset,
                expected,
            } => Error::InvalidValue {
                field,
                offset: offset.saturating_add(by),
                expected,
            },
            other => other,
        }
    }

    /// The byte offset this error points at, when it has one.
    pub const fn offset(&self) -> Option<u64> {
        match *self {
            Error::HeaderNotUtf8 { offset }
            | Error::JsonSyntax { offset, .. }
            | Error::JsonTooDeep { offset, .. }
            | Error::JsonNumberTooLong { offset, .. }
            | Error::DuplicateField { offset, .. }
            | Error::WrongType { offset, .. }
            | Error::UnknownDtype { offset }
            | Error::BadShape { offset, .. }
            | Error::InvalidValue { offset, .. }
            | Error::HeaderTooLong { offset, .. } => Some(offset),
            Error::Truncated { available, .. } => Some(available),
            Error::TrailingBytes { expected, .. } => Some(expected),
            Error::BadMagic { .. } => Some(0),
            Error::UnsupportedDtypeCode { .. } => Some(5),
            Error::UnsupportedArrayCount { .. } => Some(6),
            Error::UnsupportedVersion { .. } => Some(4),
            _ => None,
        }
    }
}

/// Writes four magic bytes printably: ASCII as is, anything else as `\xNN`.
struct Magic<'a>(&'a [u8; 4]);

impl fmt::Display for Magic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &b in self.0 {
            if b.is_ascii_graphic() || b == b' ' {
                fmt::Write::write_char(f, char::from(b))?;
            } else {
                write!(f, "\\x{b:02x}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::Truncated { needed, available } => write!(
                f,
                "truncated input: the frame needs {needed} bytes but the input ends after {available}"
            ),
            Error::TrailingBytes { expected, actual } => write!(
                f,
                "trailing bytes: the frame ends at offset {expected} but the input has {actual} bytes"
            ),
            Error::BadMagic { found, expected } => write!(
                f,
                "bad magic \"{}\" at offset 0 (expected {expected})",
                Magic(&found)
            ),
            Error::UnsupportedDtypeCode { code } => write!(
                f,
                "unsupported SAC dtype_code {code} at offset 5 (v1 requires 1 = int16)"
            ),
            Error::UnsupportedArrayCount { count } => write!(
                f,
                "unsupported SAC arrays_count {count} at offset 6 (v1 requires 2)"
            ),
            Error::ShapeMismatch {
                width,
                height,
                length_a,
                length_b,
            } => write!(
                f,
                "shape mismatch: width*height = {width}*{height} = {} but length_a = {length_a} and length_b = {length_b}",
                u64::from(width).saturating_mul(u64::from(height))
            ),
            Error::TooManyElements { field, len } => write!(
                f,
                "{field}: {len} elements is more than the format can record (at most 4294967295)"
            ),
            Error::SizeOverflow { field } => write!(
                f,
                "size overflow: the byte size implied by {field} does not fit in this target's address space"
            ),
            Error::UnsupportedVersion { version } => write!(
                f,
                "unsupported VCBN version {version} at offset 4 (versions start at 1)"
            ),
            Error::HeaderTooLong { len, limit, offset } => write!(
                f,
                "header too long: HEADER_LEN at offset {offset} is {len} bytes, over the limit of {limit}"
            ),
            Error::HeaderNotUtf8 { offset } => {
                write!(f, "header is not valid UTF-8 at offset {offset}")
            }
            Error::JsonSyntax { offset, expected } => {
                write!(f, "malformed header JSON at offset {offset}: expected {expected}")
            }
            Error::JsonTooDeep { offset, limit } => write!(
                f,
                "header JSON nests deeper than the limit of {limit} at offset {offset}"
            ),
            Error::JsonNumberTooLong { offset, limit } => write!(
                f,
                "header JSON number at offset {offset} is longer than the limit of {limit} characters"
            ),
            Error::DuplicateField { field, offset } => {
                write!(f, "header key \"{field}\" appears twice (again at offset {offset})")
            }
            Error::MissingField { field } => {
                write!(f, "header has no \"{field}\" key, which is required")
            }
            Error::WrongType {
                field,
                offset,
                expected,
            } => write!(
                f,
                "header key \"{field}\" at offset {offset} must be {expected}"
            ),
            Error::UnknownDtype { offset } => write!(
                f,
                "unknown dtype at offset {offset} (expected \"uint8\" or \"uint16\")"
            ),
            Error::BadShape { offset, reason } => {
                write!(f, "bad shape at offset {offset}: {reason}")
            }
            Error::InvalidValue {
                field,
                offset,
                expected,
            } => write!(
                f,
                "invalid value for header key \"{field}\" at offset {offset} (expected {expected})"
            ),
            Error::NonFiniteRange { field } => write!(
                f,
                "{field} is not finite; the header JSON can only carry finite numbers"
            ),
            Error::BufferTooSmall { needed, available } => write!(
                f,
                "output buffer too small: need {needed}, have {available}"
            ),
            Error::LengthMismatch {
                field,
                expected,
                actual,
            } => write!(
                f,
                "length mismatch for {field}: expected {expected}, got {actual}"
            ),
            Error::BitsOutOfRange { bits, max } => write!(
                f,
                "bits {bits} does not fit the dtype (expected 1 to {max})"
            ),
            Error::WrongDataKind { dtype, needed } => {
                write!(f, "the data is {dtype}, but this needs {needed}")
            }
            Error::LevelsTooWide {
                level_bits,
                dst_bits,
            } => write!(
                f,
                "the levels are {level_bits}-bit and do not fit a {dst_bits}-bit destination"
            ),
        }
    }
}

impl core::error::Error for Error {}
