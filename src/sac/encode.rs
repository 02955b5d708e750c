//! Encoding a SAC file: the one-shot [`encode`] and the sans-I/O streaming
//! [`Encoder`].

use zerocopy::IntoBytes;

use crate::copy_exact;
use crate::error::{Error, Field};
use crate::Shape;

use super::{Header, HEADER_LEN};

/// Native `i16` values to little-endian bytes; `dst` must be exactly twice as long.
fn write_le(src: &[i16], dst: &mut [u8]) {
    debug_assert_eq!(dst.len(), src.len().saturating_mul(2));
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

/// Encodes `a` and `b` into `out` and returns the number of bytes written:
/// the header for an image of `shape` (height first; [`Shape::UNKNOWN`] if
/// there is none), then A, then B. Byte-identical to the Python reference
/// encoder (`docs/FORMATS.md`).
///
/// Errors: [`Error::TooManyElements`] if an array, the width or the height
/// is over `u32::MAX`, [`Error::ShapeMismatch`] if width and height are both
/// non-zero and an array's length is not `width * height`,
/// [`Error::BufferTooSmall`] if `out` is shorter than [`encoded_len`]. On
/// error nothing is written.
pub fn encode(a: &[i16], b: &[i16], shape: Shape, out: &mut [u8]) -> Result<usize, Error> {
    let header = Header::new(a.len(), b.len(), shape)?;
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

/// [`encode`] into a new `Vec` of exactly [`encoded_len`] bytes (feature
/// `alloc`).
#[cfg(feature = "alloc")]
pub fn encode_to_vec(a: &[i16], b: &[i16], shape: Shape) -> Result<alloc::vec::Vec<u8>, Error> {
    let mut out = alloc::vec![0u8; encoded_len(a.len(), b.len())?];
    let n = encode(a, b, shape, &mut out)?;
    out.truncate(n);
    Ok(out)
}

/// Streams one SAC frame: the 24-byte header, then array A, then array B,
/// written piece by piece into buffers you provide, so neither array has to
/// be in memory at once. Sans-I/O: the `embedded-io` and `embedded-io-async`
/// features wrap it around a writer ([`crate::io`]). Byte-identical to
/// [`encode`].
///
/// ```
/// use framewire::{sac, Shape};
///
/// let (a, b) = ([1i16, -2, 3, -4], [5i16, 6, 7, 8]);
/// let mut enc = sac::Encoder::new(a.len(), b.len(), Shape::new(2, 2))?;
/// let mut wire = enc.header().to_vec();
/// let mut piece = [0u8; 4]; // two samples at a time
/// for samples in a.chunks(2).chain(b.chunks(2)) {
///     let (used, written) = enc.encode(samples, &mut piece)?;
///     assert_eq!(used, samples.len());
///     wire.extend_from_slice(&piece[..written]);
/// }
/// enc.finish()?;
/// let mut one_shot = [0u8; 40];
/// let n = sac::encode(&a, &b, Shape::new(2, 2), &mut one_shot)?;
/// assert_eq!(wire, &one_shot[..n]);
/// # Ok::<(), framewire::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Encoder {
    header: Header,
    /// Samples of A, then B, still to come.
    a_left: u64,
    b_left: u64,
}

impl Encoder {
    /// Starts a frame with the given array lengths and shape (the same checks
    /// as [`Header::new`]).
    pub fn new(length_a: usize, length_b: usize, shape: Shape) -> Result<Self, Error> {
        let header = Header::new(length_a, length_b, shape)?;
        Ok(Encoder {
            header,
            a_left: u64::from(header.length_a()),
            b_left: u64::from(header.length_b()),
        })
    }

    /// The header bytes, to be written first.
    pub fn header(&self) -> [u8; HEADER_LEN] {
        self.header.to_bytes()
    }

    /// The whole frame's length in bytes.
    pub fn frame_len(&self) -> u64 {
        self.header.frame_len()
    }

    /// Samples (of A, then of B) still expected.
    pub fn remaining(&self) -> u64 {
        self.a_left.saturating_add(self.b_left)
    }

    /// Encodes the next samples (A's, then B's, in order) into `out` as
    /// little-endian bytes, as many as fit. Returns `(samples used, bytes
    /// written)`.
    ///
    /// Errors: more samples than the frame has left
    /// ([`Error::LengthMismatch`]); an `out` shorter than one sample (2
    /// bytes) while samples are given ([`Error::BufferTooSmall`], so a
    /// caller's loop cannot spin).
    pub fn encode(&mut self, samples: &[i16], out: &mut [u8]) -> Result<(usize, usize), Error> {
        if samples.len() as u64 > self.remaining() {
            return Err(Error::LengthMismatch {
                field: Field::Samples,
                expected: self.remaining(),
                actual: samples.len() as u64,
            });
        }
        if !samples.is_empty() && out.len() < 2 {
            return Err(Error::BufferTooSmall {
                needed: 2,
                available: out.len() as u64,
            });
        }
        let n = samples.len().min(out.len() / 2);
        let (src, dst) = (
            samples.get(..n).unwrap_or(&[]),
            out.get_mut(..n.saturating_mul(2)),
        );
        if let Some(dst) = dst {
            write_le(src, dst);
        }
        let from_a = (n as u64).min(self.a_left);
        self.a_left = self.a_left.saturating_sub(from_a);
        self.b_left = self
            .b_left
            .saturating_sub((n as u64).saturating_sub(from_a));
        Ok((n, n.saturating_mul(2)))
    }

    /// Checks that every sample was given.
    pub fn finish(&self) -> Result<(), Error> {
        if self.a_left > 0 {
            return Err(Error::LengthMismatch {
                field: Field::LengthA,
                expected: u64::from(self.header.length_a()),
                actual: u64::from(self.header.length_a()).saturating_sub(self.a_left),
            });
        }
        if self.b_left > 0 {
            return Err(Error::LengthMismatch {
                field: Field::LengthB,
                expected: u64::from(self.header.length_b()),
                actual: u64::from(self.header.length_b()).saturating_sub(self.b_left),
            });
        }
        Ok(())
    }
}
