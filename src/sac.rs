//! SAC v1: a 24-byte little-endian header, then two `int16` arrays (SPEC §1).
//!
//! ```text
//! off size field
//!  0   4   magic "SAC1"
//!  4   1   flags          (kept and exposed, not checked)
//!  5   1   dtype_code     must be 1 (int16)
//!  6   1   arrays_count   must be 2
//!  7   1   reserved       (kept and exposed, not checked)
//!  8   4   length_a       elements of A
//! 12   4   length_b       elements of B
//! 16   4   width          0 = unknown
//! 20   4   height         0 = unknown; if width*height != 0 both lengths equal it
//! 24       payload A (int16 LE), then payload B (int16 LE)
//! ```
//!
//! Decoding gives a zero-copy [`Frame`]: the header as a [`Header`] reference
//! into the input, and the payloads as `&[I16<LE>]` slices over it, with
//! native `i16` iteration and copy-out. Encoding writes into a caller's buffer,
//! sized first with [`encoded_len`], byte-identical to the seed's Python
//! `build_sac`.
//!
//! ```
//! use framewire::sac;
//!
//! let a = [0i16, 1, -1, 2, -2, 3];
//! let b = [5i16, -5, 4, -4, 0, 1];
//! let mut buf = [0u8; 48];
//! let n = sac::encode(&a, &b, 3, 2, &mut buf)?;
//! assert_eq!(n, sac::encoded_len(a.len(), b.len())?);
//!
//! let frame = sac::decode(&buf[..n])?;
//! assert_eq!((frame.width(), frame.height()), (3, 2));
//! assert!(frame.a_iter().eq(a.iter().copied()));
//! let mut out = [0i16; 6];
//! frame.copy_b_to(&mut out)?;
//! assert_eq!(out, b);
//! # Ok::<(), framewire::Error>(())
//! ```

use zerocopy::byteorder::little_endian::{I16, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::copy_exact;
use crate::error::{Error, Field};

/// The magic, `"SAC1"`.
pub const MAGIC: [u8; 4] = *b"SAC1";
/// Size of the header in bytes.
pub const HEADER_LEN: usize = 24;
/// `dtype_code` for `int16`, the only one v1 knows.
pub const DTYPE_INT16: u8 = 1;
/// `arrays_count` in v1.
pub const ARRAYS_COUNT: u8 = 2;

const EXPECTED_MAGIC: &str = "\"SAC1\"";

/// The 24-byte SAC v1 header, laid out exactly as on the wire.
///
/// All fields are alignment-1 (`U32<LE>` is four bytes in little-endian
/// order), so a `&Header` can point straight into any input buffer.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct Header {
    /// `"SAC1"`.
    pub magic: [u8; 4],
    /// Reserved flag bits; written as 0, not checked on decode.
    pub flags: u8,
    /// 1 = int16.
    pub dtype_code: u8,
    /// Number of arrays, 2.
    pub arrays_count: u8,
    /// Reserved; written as 0, not checked on decode.
    pub reserved: u8,
    /// Elements in array A.
    pub length_a: U32,
    /// Elements in array B.
    pub length_b: U32,
    /// Image width, 0 if unknown.
    pub width: U32,
    /// Image height, 0 if unknown.
    pub height: U32,
}

const _: () = assert!(core::mem::size_of::<Header>() == HEADER_LEN);
const _: () = assert!(core::mem::align_of::<Header>() == 1);

#[cfg(feature = "defmt")]
impl defmt::Format for Header {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "sac::Header {{ flags: {=u8}, dtype_code: {=u8}, arrays_count: {=u8}, reserved: {=u8}, length_a: {=u32}, length_b: {=u32}, width: {=u32}, height: {=u32} }}",
            self.flags,
            self.dtype_code,
            self.arrays_count,
            self.reserved,
            self.length_a.get(),
            self.length_b.get(),
            self.width.get(),
            self.height.get()
        )
    }
}

/// Checks `width * height` against both lengths, as the seed's `parseSAC`
/// does (only when the product is non-zero). The product of two `u32` always
/// fits in `u64`.
fn check_shape(length_a: u64, length_b: u64, width: u32, height: u32) -> Result<(), Error> {
    let area = u64::from(width).saturating_mul(u64::from(height));
    if area != 0 && (length_a != area || length_b != area) {
        return Err(Error::ShapeMismatch {
            width,
            height,
            length_a,
            length_b,
        });
    }
    Ok(())
}

fn to_u32(len: usize, field: Field) -> Result<u32, Error> {
    u32::try_from(len).map_err(|_| Error::TooManyElements {
        field,
        len: len as u64,
    })
}

impl Header {
    /// The header the encoder writes for arrays of `length_a` and `length_b`
    /// elements: flags and reserved 0, and the same checks as the seed's
    /// `build_sac` (lengths must fit in `u32`; when `width` and `height` are
    /// both non-zero, both lengths must equal their product).
    pub fn new(length_a: usize, length_b: usize, width: u32, height: u32) -> Result<Header, Error> {
        let la = to_u32(length_a, Field::LengthA)?;
        let lb = to_u32(length_b, Field::LengthB)?;
        check_shape(u64::from(la), u64::from(lb), width, height)?;
        Ok(Header {
            magic: MAGIC,
            flags: 0,
            dtype_code: DTYPE_INT16,
            arrays_count: ARRAYS_COUNT,
            reserved: 0,
            length_a: U32::new(la),
            length_b: U32::new(lb),
            width: U32::new(width),
            height: U32::new(height),
        })
    }

    /// Reads and validates the header at the start of `bytes` (which may hold
    /// more: the payload is not looked at). Checks, in order: at least 24
    /// bytes, magic, dtype_code, arrays_count, and the shape rule.
    pub fn parse(bytes: &[u8]) -> Result<&Header, Error> {
        let (header, _rest) = Header::ref_from_prefix(bytes).map_err(|_| Error::Truncated {
            needed: HEADER_LEN as u64,
            available: bytes.len() as u64,
        })?;
        header.validate()?;
        Ok(header)
    }

    /// Applies the decoder's rules to a header already in memory.
    pub fn validate(&self) -> Result<(), Error> {
        if self.magic != MAGIC {
            return Err(Error::BadMagic {
                found: self.magic,
                expected: EXPECTED_MAGIC,
            });
        }
        if self.dtype_code != DTYPE_INT16 {
            return Err(Error::UnsupportedDtypeCode {
                code: self.dtype_code,
            });
        }
        if self.arrays_count != ARRAYS_COUNT {
            return Err(Error::UnsupportedArrayCount {
                count: self.arrays_count,
            });
        }
        check_shape(
            u64::from(self.length_a.get()),
            u64::from(self.length_b.get()),
            self.width.get(),
            self.height.get(),
        )
    }

    /// Elements in array A.
    pub fn length_a(&self) -> u32 {
        self.length_a.get()
    }

    /// Elements in array B.
    pub fn length_b(&self) -> u32 {
        self.length_b.get()
    }

    /// Image width (0 = unknown).
    pub fn width(&self) -> u32 {
        self.width.get()
    }

    /// Image height (0 = unknown).
    pub fn height(&self) -> u32 {
        self.height.get()
    }

    /// Bytes of payload A.
    pub fn len_a_bytes(&self) -> u64 {
        u64::from(self.length_a.get()).saturating_mul(2)
    }

    /// Bytes of payload B.
    pub fn len_b_bytes(&self) -> u64 {
        u64::from(self.length_b.get()).saturating_mul(2)
    }

    /// The whole frame's length in bytes, `24 + 2*length_a + 2*length_b`.
    /// Exact: at most about 16 GiB, so it always fits in `u64`.
    pub fn frame_len(&self) -> u64 {
        (HEADER_LEN as u64)
            .saturating_add(self.len_a_bytes())
            .saturating_add(self.len_b_bytes())
    }

    /// The header's 24 bytes.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        copy_exact(&mut out, self.as_bytes());
        out
    }
}

/// A decoded SAC frame: views over the caller's bytes, nothing copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    header: &'a Header,
    a: &'a [I16],
    b: &'a [I16],
}

#[cfg(feature = "defmt")]
impl defmt::Format for Frame<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "sac::Frame {{ header: {} }}", self.header)
    }
}

/// Decodes a whole SAC file. Validation follows the seed's `parseSAC`, in
/// this order: length ≥ 24 ([`Error::Truncated`]), magic
/// ([`Error::BadMagic`]), `dtype_code == 1`, `arrays_count == 2`, the shape
/// rule ([`Error::ShapeMismatch`]), the byte size fitting this target
/// ([`Error::SizeOverflow`]), then the input length against
/// `24 + 2*length_a + 2*length_b` ([`Error::Truncated`] if short,
/// [`Error::TrailingBytes`] if long).
pub fn decode(bytes: &[u8]) -> Result<Frame<'_>, Error> {
    let header = Header::parse(bytes)?;
    let len_a = usize::try_from(header.len_a_bytes()).map_err(|_| Error::SizeOverflow {
        field: Field::LengthA,
    })?;
    let len_b = usize::try_from(header.len_b_bytes()).map_err(|_| Error::SizeOverflow {
        field: Field::LengthB,
    })?;
    let total = HEADER_LEN
        .checked_add(len_a)
        .and_then(|n| n.checked_add(len_b))
        .ok_or(Error::SizeOverflow {
            field: Field::LengthB,
        })?;
    if bytes.len() < total {
        return Err(Error::Truncated {
            needed: total as u64,
            available: bytes.len() as u64,
        });
    }
    if bytes.len() > total {
        return Err(Error::TrailingBytes {
            expected: total as u64,
            actual: bytes.len() as u64,
        });
    }
    let payload = bytes.get(HEADER_LEN..).unwrap_or(&[]);
    let (a_bytes, b_bytes) = payload.split_at_checked(len_a).ok_or(Error::Truncated {
        needed: total as u64,
        available: bytes.len() as u64,
    })?;
    // Both casts only check the byte length (I16<LE> has alignment 1), which
    // the arithmetic above already guarantees.
    let a = <[I16]>::ref_from_bytes(a_bytes).map_err(|_| Error::SizeOverflow {
        field: Field::LengthA,
    })?;
    let b = <[I16]>::ref_from_bytes(b_bytes).map_err(|_| Error::SizeOverflow {
        field: Field::LengthB,
    })?;
    Ok(Frame { header, a, b })
}

impl<'a> Frame<'a> {
    /// The header, pointing into the input.
    pub fn header(&self) -> &'a Header {
        self.header
    }

    /// Image width (0 = unknown).
    pub fn width(&self) -> u32 {
        self.header.width()
    }

    /// Image height (0 = unknown).
    pub fn height(&self) -> u32 {
        self.header.height()
    }

    /// Reserved flags byte, as found.
    pub fn flags(&self) -> u8 {
        self.header.flags
    }

    /// Payload A as little-endian `int16` values over the input.
    pub fn a(&self) -> &'a [I16] {
        self.a
    }

    /// Payload B as little-endian `int16` values over the input.
    pub fn b(&self) -> &'a [I16] {
        self.b
    }

    /// Payload A as raw bytes.
    pub fn a_bytes(&self) -> &'a [u8] {
        self.a.as_bytes()
    }

    /// Payload B as raw bytes.
    pub fn b_bytes(&self) -> &'a [u8] {
        self.b.as_bytes()
    }

    /// Native `i16` values of A.
    pub fn a_iter(&self) -> impl ExactSizeIterator<Item = i16> + DoubleEndedIterator + 'a {
        self.a.iter().map(|v| v.get())
    }

    /// Native `i16` values of B.
    pub fn b_iter(&self) -> impl ExactSizeIterator<Item = i16> + DoubleEndedIterator + 'a {
        self.b.iter().map(|v| v.get())
    }

    /// Payload A as a native `&[i16]` without copying, when that is possible:
    /// on a little-endian target with the payload 2-byte aligned in memory.
    /// Otherwise `None`; use [`Frame::a_iter`] or [`Frame::copy_a_to`].
    pub fn a_native(&self) -> Option<&'a [i16]> {
        native_view(self.a)
    }

    /// Payload B as a native `&[i16]`; see [`Frame::a_native`].
    pub fn b_native(&self) -> Option<&'a [i16]> {
        native_view(self.b)
    }

    /// Copies A into `dst`, which must hold exactly `length_a` elements.
    pub fn copy_a_to(&self, dst: &mut [i16]) -> Result<(), Error> {
        copy_out(self.a, dst, Field::LengthA)
    }

    /// Copies B into `dst`, which must hold exactly `length_b` elements.
    pub fn copy_b_to(&self, dst: &mut [i16]) -> Result<(), Error> {
        copy_out(self.b, dst, Field::LengthB)
    }
}

#[cfg(target_endian = "little")]
fn native_view(src: &[I16]) -> Option<&[i16]> {
    <[i16]>::ref_from_bytes(src.as_bytes()).ok()
}

#[cfg(not(target_endian = "little"))]
fn native_view(_src: &[I16]) -> Option<&[i16]> {
    None
}

/// Little-endian `int16` bytes to native values.
pub(crate) fn copy_out(src: &[I16], dst: &mut [i16], field: Field) -> Result<(), Error> {
    if src.len() != dst.len() {
        return Err(Error::LengthMismatch {
            field,
            expected: src.len() as u64,
            actual: dst.len() as u64,
        });
    }
    #[cfg(target_endian = "little")]
    copy_exact(dst.as_mut_bytes(), src.as_bytes());
    #[cfg(not(target_endian = "little"))]
    for (d, s) in dst.iter_mut().zip(src) {
        *d = s.get();
    }
    Ok(())
}

/// Native `i16` values to little-endian bytes; `dst` must be exactly twice as long.
pub(crate) fn write_le(src: &[i16], dst: &mut [u8]) {
    #[cfg(target_endian = "little")]
    {
        copy_exact(dst, src.as_bytes());
    }
    #[cfg(not(target_endian = "little"))]
    for (d, s) in dst.chunks_exact_mut(2).zip(src) {
        d.copy_from_slice(&s.to_le_bytes());
    }
}

/// The exact size of the SAC file for arrays of `length_a` and `length_b`
/// elements: `24 + 2*length_a + 2*length_b`.
pub fn encoded_len(length_a: usize, length_b: usize) -> Result<usize, Error> {
    let a = length_a.checked_mul(2).ok_or(Error::SizeOverflow {
        field: Field::LengthA,
    })?;
    let b = length_b.checked_mul(2).ok_or(Error::SizeOverflow {
        field: Field::LengthB,
    })?;
    // When the sum overflows, blame the larger array.
    let field = if a >= b {
        Field::LengthA
    } else {
        Field::LengthB
    };
    HEADER_LEN
        .checked_add(a)
        .and_then(|n| n.checked_add(b))
        .ok_or(Error::SizeOverflow { field })
}

/// Encodes `a` and `b` into `out`, byte-identical to the seed's Python
/// `build_sac(a, b, width, height)`, and returns the number of bytes written.
///
/// Errors: [`Error::TooManyElements`] if an array has more than `u32::MAX`
/// elements, [`Error::ShapeMismatch`] if `width` and `height` are both
/// non-zero and an array's length is not `width * height`,
/// [`Error::BufferTooSmall`] if `out` is shorter than [`encoded_len`]. On
/// error nothing is written.
pub fn encode(
    a: &[i16],
    b: &[i16],
    width: u32,
    height: u32,
    out: &mut [u8],
) -> Result<usize, Error> {
    let header = Header::new(a.len(), b.len(), width, height)?;
    let total = encoded_len(a.len(), b.len())?;
    let available = out.len();
    let out = out.get_mut(..total).ok_or(Error::BufferTooSmall {
        needed: total as u64,
        available: available as u64,
    })?;
    let (head, payload) = out.split_at_mut(HEADER_LEN.min(total));
    copy_exact(head, header.as_bytes());
    let (pa, pb) = payload.split_at_mut(a.len().saturating_mul(2).min(payload.len()));
    write_le(a, pa);
    write_le(b, pb);
    Ok(total)
}
