//! Decoding a SAC file: [`decode`], [`take_from_bytes`] and the zero-copy
//! [`Frame`].

use zerocopy::byteorder::little_endian::I16;
use zerocopy::{FromBytes, IntoBytes};

use crate::copy_exact;
use crate::error::{Error, Field};
use crate::Shape;

use super::{Header, HEADER_LEN};

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

/// Decodes a whole SAC file. Validation runs in this order, as the
/// reference decoder's: length ≥ 24 ([`Error::Truncated`]), magic
/// ([`Error::BadMagic`]), `dtype_code == 1`, `arrays_count == 2`, the shape
/// rule ([`Error::ShapeMismatch`]), the byte size fitting this target
/// ([`Error::SizeOverflow`]), then the input length against
/// `24 + 2*length_a + 2*length_b` ([`Error::Truncated`] if short,
/// [`Error::TrailingBytes`] if long).
pub fn decode(bytes: &[u8]) -> Result<Frame<'_>, Error> {
    let (frame, rest) = take_from_bytes(bytes)?;
    crate::frame::check_no_trailing(frame.header.frame_len(), rest)?;
    Ok(frame)
}

/// Decodes the SAC frame at the front of `bytes` and returns it with the
/// bytes after it, for buffers that hold frames back to back. The same
/// checks as [`decode`], except that bytes after the frame are not an error.
///
/// ```
/// use framewire::{sac, Shape};
///
/// let mut wire = [0u8; 2 * 28];
/// let n = sac::encode(&[1], &[2], Shape::UNKNOWN, &mut wire)?;
/// sac::encode(&[3], &[4], Shape::new(1, 1), &mut wire[n..])?;
/// let (first, rest) = sac::take_from_bytes(&wire)?;
/// let (second, rest) = sac::take_from_bytes(rest)?;
/// assert_eq!((first.a_iter().next(), second.b_iter().next()), (Some(1), Some(4)));
/// assert!(rest.is_empty());
/// # Ok::<(), framewire::Error>(())
/// ```
pub fn take_from_bytes(bytes: &[u8]) -> Result<(Frame<'_>, &[u8]), Error> {
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
    let truncated = Error::Truncated {
        needed: total as u64,
        available: bytes.len() as u64,
    };
    let (frame, rest) = bytes.split_at_checked(total).ok_or(truncated)?;
    let payload = frame.get(HEADER_LEN..).ok_or(truncated)?;
    let (a_bytes, b_bytes) = payload.split_at_checked(len_a).ok_or(truncated)?;
    // Both casts only check the byte length (I16<LE> has alignment 1), which
    // the arithmetic above already guarantees.
    let a = <[I16]>::ref_from_bytes(a_bytes).map_err(|_| Error::SizeOverflow {
        field: Field::LengthA,
    })?;
    let b = <[I16]>::ref_from_bytes(b_bytes).map_err(|_| Error::SizeOverflow {
        field: Field::LengthB,
    })?;
    Ok((Frame { header, a, b }, rest))
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

    /// The image's shape ([`Shape::UNKNOWN`] when width and height are 0).
    pub fn shape(&self) -> Shape {
        self.header.shape()
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

/// The little-endian payload as native `i16`s: only on a little-endian
/// target (where the bytes are already native), and only when aligned.
/// One function for both byte orders, so that what it does is one thing to
/// test.
fn native_view(src: &[I16]) -> Option<&[i16]> {
    if cfg!(target_endian = "little") {
        <[i16]>::ref_from_bytes(src.as_bytes()).ok()
    } else {
        None
    }
}

/// Little-endian `int16` bytes to native values.
fn copy_out(src: &[I16], dst: &mut [i16], field: Field) -> Result<(), Error> {
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
