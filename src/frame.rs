//! Any frame: telling the formats apart by their first bytes, and decoding
//! whichever one a message holds.
//!
//! A WebSocket message, a file or a buffer may hold a SAC frame or a VCBN
//! envelope; [`Format::detect`] says which from the magic, and
//! [`decode_any`] decodes it into an [`AnyFrame`]. [`take_from_bytes`] does
//! the same for the frame at the front of a buffer of frames back to back.
//! The stream decoder ([`crate::stream`]) and the frame reader
//! ([`crate::io`]) use the same detection.
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

use crate::error::Error;
use crate::vcbn::{self, Limits};
use crate::{sac, Shape};

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
}

impl Format {
    /// The format whose magic `bytes` starts with. Fewer than four bytes
    /// are [`Error::Truncated`]; an unknown magic is [`Error::BadMagic`].
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
        } else {
            Err(Error::BadMagic {
                found: magic,
                expected: EXPECTED_ANY,
            })
        }
    }

    /// The format's name: `"sac"` or `"vcbn"`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Sac => "sac",
            Format::Vcbn => "vcbn",
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
}

impl AnyFrame<'_> {
    /// The frame's format.
    pub fn format(&self) -> Format {
        match self {
            AnyFrame::Sac(_) => Format::Sac,
            AnyFrame::Vcbn(_) => Format::Vcbn,
        }
    }

    /// The array's shape ([`Shape::UNKNOWN`] for a SAC frame without one).
    pub fn shape(&self) -> Shape {
        match self {
            AnyFrame::Sac(f) => f.shape(),
            AnyFrame::Vcbn(f) => f.header().shape(),
        }
    }
}

/// Decodes one whole message of either format (exactly one frame, nothing
/// after it), with the default VCBN [`Limits`]. An unknown magic is
/// [`Error::BadMagic`]; otherwise the format's own decoder decides
/// ([`sac::decode`], [`vcbn::decode`]).
pub fn decode_any(bytes: &[u8]) -> Result<AnyFrame<'_>, Error> {
    decode_any_with(bytes, &Limits::DEFAULT)
}

/// [`decode_any`] with the given VCBN limits.
pub fn decode_any_with<'a>(bytes: &'a [u8], limits: &Limits) -> Result<AnyFrame<'a>, Error> {
    match Format::detect(bytes)? {
        Format::Sac => sac::decode(bytes).map(AnyFrame::Sac),
        Format::Vcbn => vcbn::decode_with(bytes, limits).map(AnyFrame::Vcbn),
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
    }
}
