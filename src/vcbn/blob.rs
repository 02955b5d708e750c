//! [`Blob`]: the levels of a decoded frame, viewed in place.

use zerocopy::byteorder::big_endian::U16 as U16Be;
use zerocopy::byteorder::little_endian::U16 as U16Le;
use zerocopy::{FromBytes, IntoBytes};

use crate::error::{Error, Field};

use super::{Dtype, Endianness};

/// The blob of a decoded frame, viewed in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blob<'a> {
    /// `uint8` levels.
    U8(&'a [u8]),
    /// `uint16` levels, little-endian.
    U16Le(&'a [U16Le]),
    /// `uint16` levels, big-endian (`"endianness": "BE"`).
    U16Be(&'a [U16Be]),
}

#[cfg(feature = "defmt")]
impl defmt::Format for Blob<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        match self {
            Blob::U8(s) => defmt::write!(f, "Blob::U8({=usize} levels)", s.len()),
            Blob::U16Le(s) => defmt::write!(f, "Blob::U16Le({=usize} levels)", s.len()),
            Blob::U16Be(s) => defmt::write!(f, "Blob::U16Be({=usize} levels)", s.len()),
        }
    }
}

impl<'a> Blob<'a> {
    /// Views `bytes` as levels of `dtype` in `endianness`. Fails only if a
    /// `uint16` blob has an odd length.
    pub fn new(bytes: &'a [u8], dtype: Dtype, endianness: Endianness) -> Result<Blob<'a>, Error> {
        let odd = || Error::LengthMismatch {
            field: Field::Blob,
            expected: (bytes.len() as u64).saturating_add(1),
            actual: bytes.len() as u64,
        };
        Ok(match (dtype, endianness) {
            (Dtype::U8, _) => Blob::U8(bytes),
            (Dtype::U16, Endianness::Little) => {
                Blob::U16Le(<[U16Le]>::ref_from_bytes(bytes).map_err(|_| odd())?)
            }
            (Dtype::U16, Endianness::Big) => {
                Blob::U16Be(<[U16Be]>::ref_from_bytes(bytes).map_err(|_| odd())?)
            }
        })
    }

    /// Number of levels.
    pub fn len(&self) -> usize {
        match self {
            Blob::U8(s) => s.len(),
            Blob::U16Le(s) => s.len(),
            Blob::U16Be(s) => s.len(),
        }
    }

    /// Whether the blob is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        match self {
            Blob::U8(s) => s,
            Blob::U16Le(s) => s.as_bytes(),
            Blob::U16Be(s) => s.as_bytes(),
        }
    }

    /// The dtype.
    pub fn dtype(&self) -> Dtype {
        match self {
            Blob::U8(_) => Dtype::U8,
            _ => Dtype::U16,
        }
    }

    /// Level `i`, or `None` past the end.
    pub fn get(&self, i: usize) -> Option<u16> {
        match self {
            Blob::U8(s) => s.get(i).map(|&v| u16::from(v)),
            Blob::U16Le(s) => s.get(i).map(|v| v.get()),
            Blob::U16Be(s) => s.get(i).map(|v| v.get()),
        }
    }

    /// The levels as native `u16`.
    pub fn iter(&self) -> BlobIter<'a> {
        BlobIter {
            blob: *self,
            pos: 0,
        }
    }

    /// Copies the levels into `dst` (exactly [`Blob::len`] elements) as native `u16`.
    pub fn copy_to_u16(&self, dst: &mut [u16]) -> Result<(), Error> {
        if dst.len() != self.len() {
            return Err(Error::LengthMismatch {
                field: Field::Blob,
                expected: self.len() as u64,
                actual: dst.len() as u64,
            });
        }
        match self {
            Blob::U8(s) => {
                for (d, &v) in dst.iter_mut().zip(s.iter()) {
                    *d = u16::from(v);
                }
            }
            Blob::U16Le(s) => {
                #[cfg(target_endian = "little")]
                crate::copy_exact(dst.as_mut_bytes(), s.as_bytes());
                #[cfg(not(target_endian = "little"))]
                for (d, v) in dst.iter_mut().zip(s.iter()) {
                    *d = v.get();
                }
            }
            Blob::U16Be(s) => {
                for (d, v) in dst.iter_mut().zip(s.iter()) {
                    *d = v.get();
                }
            }
        }
        Ok(())
    }
}

/// Iterator over the levels of a [`Blob`].
#[derive(Debug, Clone)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct BlobIter<'a> {
    blob: Blob<'a>,
    pos: usize,
}

impl Iterator for BlobIter<'_> {
    type Item = u16;

    fn next(&mut self) -> Option<u16> {
        let v = self.blob.get(self.pos)?;
        self.pos = self.pos.saturating_add(1);
        Some(v)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.blob.len().saturating_sub(self.pos);
        (n, Some(n))
    }
}

impl ExactSizeIterator for BlobIter<'_> {}
