//! Any frame: telling the formats apart by their first bytes, and decoding
//! whichever one a message holds.
//!
//! A WebSocket message, a file or a buffer may hold a SAC frame, a VCBN
//! envelope or an imgpack message (imgpack's latest layout, which has no
//! magic); [`Format::detect`] says which from the first bytes, and
//! [`decode_any`] decodes it into an [`AnyFrame`]. [`take_from_bytes`] does
//! the same for the frame at the front of a buffer of frames back to back.
//! The stream decoder ([`crate::stream`]) and the frame reader
//! ([`crate::io`]) use the same detection by magic, but do not look for
//! the imgpack layout: without a magic, it cannot be found in a byte stream.
//!
//! ```
//! use framewire::{frame::{self, AnyFrame, Format}, sac, Shape};
//!
//! let mut buf = [0u8; 32];
//! let n = sac::encode(&[1, 2], &[3, 4], Shape::new(1, 2), &mut buf)?;
//! assert_eq!(Format::detect(&buf[..n]), Ok(Format::Sac));
//! match frame::decode_any(&buf[..n])? {
//!     AnyFrame::Sac(f) => assert_eq!(f.shape(), Shape::new(1, 2)),
//!     other => panic!("not SAC: {:?}", other.format()),
//! }
//! # Ok::<(), framewire::Error>(())
//! ```

use crate::error::{Error, Field};
use crate::vcbn::{self, Limits};
use crate::{imgpack, sac, Shape};

/// Every magic a frame can start with.
pub(crate) const MAGICS: [[u8; 4]; 4] =
    [sac::MAGIC, vcbn::MAGIC, vcbn::MAGIC_IMPK, vcbn::MAGIC_CBIN];

pub(crate) const EXPECTED_ANY: &str = "\"SAC1\", \"VCBN\", \"IMPK\" or \"CBIN\"";

/// Whether `bytes` (at most 4) is the start of some magic.
pub(crate) fn is_magic_prefix(bytes: &[u8]) -> bool {
    MAGICS.iter().any(|m| m.starts_with(bytes))
}

/// Whether `b` can start a magic.
pub(crate) fn could_start_magic(b: u8) -> bool {
    MAGICS.iter().any(|m| m.first() == Some(&b))
}

/// The wire format of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Format {
    /// SAC v1 ([`crate::sac`]).
    Sac,
    /// The VCBN envelope ([`crate::vcbn`]), with any of its magics.
    Vcbn,
    /// imgpack's latest layout ([`crate::imgpack`]): no magic, recognised
    /// in a single message only.
    Imgpack,
}

impl Format {
    /// The format whose magic `bytes` starts with, or [`Format::Imgpack`]
    /// when the first four bytes are no known magic and byte 4 is `{` (the
    /// start of imgpack's header JSON). Fewer than four bytes are
    /// [`Error::Truncated`]; anything else is [`Error::BadMagic`].
    pub fn detect(bytes: &[u8]) -> Result<Format, Error> {
        let magic: [u8; 4] =
            bytes
                .get(..4)
                .and_then(|m| m.try_into().ok())
                .ok_or(Error::Truncated {
                    needed: 4,
                    available: bytes.len() as u64,
                })?;
        if magic == sac::MAGIC {
            Ok(Format::Sac)
        } else if vcbn::Magic::from_bytes(magic).is_some() {
            Ok(Format::Vcbn)
        } else if bytes.get(imgpack::PREFIX_LEN) == Some(&b'{') {
            Ok(Format::Imgpack)
        } else {
            Err(Error::BadMagic {
                found: magic,
                expected: EXPECTED_ANY,
            })
        }
    }

    /// The format's name: `"sac"`, `"vcbn"` or `"imgpack"`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Sac => "sac",
            Format::Vcbn => "vcbn",
            Format::Imgpack => "imgpack",
        }
    }
}

/// A decoded frame of either format, borrowing its input.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum AnyFrame<'a> {
    /// A SAC frame.
    Sac(sac::Frame<'a>),
    /// A VCBN frame.
    Vcbn(vcbn::Frame<'a>),
    /// An imgpack message.
    Imgpack(imgpack::Frame<'a>),
}

impl AnyFrame<'_> {
    /// The frame's format.
    pub fn format(&self) -> Format {
        match self {
            AnyFrame::Sac(_) => Format::Sac,
            AnyFrame::Vcbn(_) => Format::Vcbn,
            AnyFrame::Imgpack(_) => Format::Imgpack,
        }
    }

    /// The array's shape ([`Shape::UNKNOWN`] for a SAC frame without one).
    pub fn shape(&self) -> Shape {
        match self {
            AnyFrame::Sac(f) => f.shape(),
            AnyFrame::Vcbn(f) => f.header().shape(),
            AnyFrame::Imgpack(f) => f.header().shape(),
        }
    }
}

/// Decodes one whole message of either format (exactly one frame, nothing
/// after it), with the default [`Limits`]. What [`Format::detect`] refuses
/// is refused; otherwise the format's own decoder decides
/// ([`sac::decode`], [`vcbn::decode`], [`imgpack::decode`]).
pub fn decode_any(bytes: &[u8]) -> Result<AnyFrame<'_>, Error> {
    decode_any_with(bytes, &Limits::DEFAULT)
}

/// [`decode_any`] with the given VCBN limits.
pub fn decode_any_with<'a>(bytes: &'a [u8], limits: &Limits) -> Result<AnyFrame<'a>, Error> {
    match Format::detect(bytes)? {
        Format::Sac => sac::decode(bytes).map(AnyFrame::Sac),
        Format::Vcbn => vcbn::decode_with(bytes, limits).map(AnyFrame::Vcbn),
        Format::Imgpack => imgpack::decode_with(bytes, limits).map(AnyFrame::Imgpack),
    }
}

/// Decodes the frame at the front of `bytes`, of either format, and returns
/// it with the bytes after it (postcard's `take_from_bytes`).
///
/// ```
/// use framewire::{frame, sac, vcbn::{self, Dtype, Limits, Params}, Shape};
///
/// let mut wire = vec![0u8; 256];
/// let n = sac::encode(&[1], &[2], Shape::UNKNOWN, &mut wire)?;
/// let m = vcbn::encode([0.5f32][..].into(), Shape::new(1, 1),
///                      &Params::new(Dtype::U8, 0.0, 1.0), &mut wire[n..])?;
/// wire.truncate(n + m);
///
/// let mut rest = &wire[..];
/// let mut formats = Vec::new();
/// while !rest.is_empty() {
///     let (f, r) = frame::take_from_bytes(rest, &Limits::DEFAULT)?;
///     formats.push(f.format().name());
///     rest = r;
/// }
/// assert_eq!(formats, ["sac", "vcbn"]);
/// # Ok::<(), framewire::Error>(())
/// ```
pub fn take_from_bytes<'a>(
    bytes: &'a [u8],
    limits: &Limits,
) -> Result<(AnyFrame<'a>, &'a [u8]), Error> {
    match Format::detect(bytes)? {
        Format::Sac => sac::take_from_bytes(bytes).map(|(f, r)| (AnyFrame::Sac(f), r)),
        Format::Vcbn => vcbn::take_from_bytes(bytes, limits).map(|(f, r)| (AnyFrame::Vcbn(f), r)),
        Format::Imgpack => {
            imgpack::take_from_bytes(bytes, limits).map(|(f, r)| (AnyFrame::Imgpack(f), r))
        }
    }
}

/// The one-message rule of every format's `decode`: nothing may follow the
/// frame (`frame_len` bytes) that `take_from_bytes` found.
pub(crate) fn check_no_trailing(frame_len: u64, rest: &[u8]) -> Result<(), Error> {
    if rest.is_empty() {
        return Ok(());
    }
    Err(Error::TrailingBytes {
        expected: frame_len,
        actual: frame_len.saturating_add(rest.len() as u64),
    })
}

/// Splits the frame at the front of `bytes` (`total` bytes, as its header
/// says) from the bytes after it: [`Error::Truncated`] if `bytes` ends
/// inside it, [`Error::SizeOverflow`] if `total` does not fit this target's
/// `usize`.
pub(crate) fn split_frame(bytes: &[u8], total: u64) -> Result<(&[u8], &[u8]), Error> {
    let available = bytes.len() as u64;
    if available < total {
        return Err(Error::Truncated {
            needed: total,
            available,
        });
    }
    let total = usize::try_from(total).map_err(|_| Error::SizeOverflow {
        field: Field::Shape,
    })?;
    bytes.split_at_checked(total).ok_or(Error::Truncated {
        needed: total as u64,
        available,
    })
}
