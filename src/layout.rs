//! What the VCBN and imgpack encoders share: the sizes of one encoded frame
//! and the writing of its header ([`Layout`]), and the count of samples a
//! streaming encoder still expects ([`Countdown`]).
//!
//! Both formats put a fixed prefix (`PREFIX` bytes: VCBN's magic, version
//! and `HEADER_LEN`; imgpack's `HEADER_LEN` alone), the header JSON, zero
//! pad bytes and the blob one after the other; only the prefix's bytes, the
//! JSON and the pad rule differ (`docs/FORMATS.md`).

use core::fmt;

use crate::error::{Error, Field};
use crate::fmtbuf::{Counter, SliceWriter};
use crate::Shape;

/// The bytes `json` writes, counted without writing them.
/// [`Error::SizeOverflow`] (`HeaderLen`) if the count overflows.
pub(crate) fn json_len_of(json: impl FnOnce(&mut Counter) -> fmt::Result) -> Result<usize, Error> {
    let mut c = Counter::default();
    json(&mut c).map_err(|_| Error::SizeOverflow {
        field: Field::HeaderLen,
    })?;
    Ok(c.len)
}

/// The sizes of one frame's encoding: `PREFIX` bytes of prefix, the JSON's
/// length (counted once), the pad's and the blob's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) struct Layout<const PREFIX: usize> {
    json_len: u32,
    pad_len: u32,
    blob_len: u64,
}

impl<const PREFIX: usize> Layout<PREFIX> {
    /// `json_len` bytes of JSON, followed by `pad_len(json_len)` zero bytes
    /// and `blob_len` bytes of blob. [`Error::SizeOverflow`] (`HeaderLen`)
    /// if the JSON is longer than `HEADER_LEN` can say.
    pub(crate) fn new(
        json_len: usize,
        blob_len: u64,
        pad_len: impl FnOnce(u32) -> u32,
    ) -> Result<Self, Error> {
        let json_len = u32::try_from(json_len).map_err(|_| Error::SizeOverflow {
            field: Field::HeaderLen,
        })?;
        Ok(Layout {
            json_len,
            pad_len: pad_len(json_len),
            blob_len,
        })
    }

    /// Bytes of header JSON (the `HEADER_LEN` field).
    pub(crate) fn json_len(&self) -> u32 {
        self.json_len
    }

    /// Bytes of blob.
    pub(crate) fn blob_len(&self) -> u64 {
        self.blob_len
    }

    /// Bytes before the blob: prefix, JSON and pad.
    pub(crate) fn blob_offset(&self) -> usize {
        PREFIX
            .saturating_add(self.json_len as usize)
            .saturating_add(self.pad_len as usize)
    }

    /// The whole frame's length, checked to fit this target's `usize`.
    pub(crate) fn frame_len(&self) -> Result<usize, Error> {
        usize::try_from(self.blob_len)
            .ok()
            .and_then(|b| self.blob_offset().checked_add(b))
            .ok_or(Error::SizeOverflow {
                field: Field::Shape,
            })
    }

    /// The whole frame's length as `u64` (saturating; not checked against
    /// `usize`).
    pub(crate) fn frame_len_u64(&self) -> u64 {
        (self.blob_offset() as u64).saturating_add(self.blob_len)
    }

    /// Writes the header (exactly [`Layout::blob_offset`] bytes) at the start
    /// of `out`: `prefix`, the JSON that `json` writes (the same JSON this
    /// layout counted) and the zero pad; returns its length.
    /// [`Error::BufferTooSmall`] if `out` is shorter.
    pub(crate) fn write_header(
        &self,
        out: &mut [u8],
        prefix: &[u8; PREFIX],
        json: impl FnOnce(&mut SliceWriter<'_>) -> fmt::Result,
    ) -> Result<usize, Error> {
        let need = self.blob_offset();
        let too_small = Error::BufferTooSmall {
            needed: need as u64,
            available: out.len() as u64,
        };
        let out = out.get_mut(..need).ok_or(too_small)?;
        let (head, rest) = out.split_at_mut_checked(PREFIX).ok_or(too_small)?;
        crate::copy_exact(head, prefix);
        let mut w = SliceWriter::new(rest);
        json(&mut w).map_err(|_| too_small)?;
        let json_len = w.len();
        debug_assert_eq!(json_len, self.json_len as usize);
        for b in rest.get_mut(json_len..).unwrap_or_default() {
            *b = 0;
        }
        Ok(need)
    }
}

/// The samples of one frame: how many in all, and how many are still to
/// come (what a streaming encoder checks each piece and its end against).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) struct Countdown {
    total: u64,
    left: u64,
}

impl Countdown {
    /// All `H*W` samples of `shape` to come. [`Error::SizeOverflow`]
    /// (`Shape`) if `H*W` overflows.
    pub(crate) fn new(shape: Shape) -> Result<Countdown, Error> {
        let total = shape.elements().ok_or(Error::SizeOverflow {
            field: Field::Shape,
        })?;
        Ok(Countdown { total, left: total })
    }

    /// Samples in the frame.
    pub(crate) fn total(&self) -> u64 {
        self.total
    }

    /// Samples still to come.
    pub(crate) fn left(&self) -> u64 {
        self.left
    }

    /// Refuses a piece of `n` samples if more than are left
    /// ([`Error::LengthMismatch`]).
    pub(crate) fn check(&self, n: usize) -> Result<(), Error> {
        if n as u64 > self.left {
            return Err(Error::LengthMismatch {
                field: Field::Samples,
                expected: self.left,
                actual: n as u64,
            });
        }
        Ok(())
    }

    /// Counts `n` samples as given.
    pub(crate) fn take(&mut self, n: usize) {
        self.left = self.left.saturating_sub(n as u64);
    }

    /// Checks that every sample was given ([`Error::LengthMismatch`]: the
    /// total against those given).
    pub(crate) fn finish(&self) -> Result<(), Error> {
        if self.left > 0 {
            return Err(Error::LengthMismatch {
                field: Field::Samples,
                expected: self.total,
                actual: self.total.saturating_sub(self.left),
            });
        }
        Ok(())
    }
}
