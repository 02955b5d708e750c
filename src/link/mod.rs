//! A link layer for byte links that drop and flip bytes (UART, USB-CDC,
//! radio): any framewire frame (SAC or VCBN, or any bytes) travels with a
//! sequence number and a CRC-32, delimited so that a receiver resynchronises
//! at the next frame boundary after any damage. The format is specified in
//! [`docs/FORMATS.md`](https://github.com/framewire/framewire/blob/main/docs/FORMATS.md#9-the-link-layer).
//!
//! # On the wire
//!
//! ```text
//! 0x00  COBS( seq: u32 LE | payload | crc: u32 LE )  0x00
//! ```
//!
//! - `seq` counts frames from the sender's start (wrapping at 2³²);
//! - `crc` is CRC-32/ISO-HDLC (the CRC of zlib, PNG and Ethernet) over `seq`
//!   and `payload`;
//! - COBS (consistent overhead byte stuffing) removes every `0x00` from the
//!   stuffed bytes, so `0x00` marks frame boundaries only. The encoder closes
//!   a block at each zero and after 254 non-zero bytes (code `0xFF`, no
//!   implied zero), and always ends with a final block (code `0x01` if it is
//!   empty).
//! - A delimiter before *and* after each frame: garbage between two frames
//!   is its own damaged frame instead of spoiling the next one. Two
//!   delimiters in a row are an empty frame, which the decoder skips.
//!
//! # Overhead
//!
//! A payload of `n` bytes takes at most [`encoded_len`]`(n)` =
//! `n + 11 + (n + 8) / 254` bytes (integer division): 2 delimiters, 4 of
//! sequence number, 4 of CRC, 1 final COBS code, and one code per run of 254
//! non-zero bytes. A zero in the stuffed bytes costs nothing (its code byte
//! replaces it) and may end a run early, so the bound is exact when `seq`,
//! `payload` and `crc` hold no zero. That is at most 0.4 % plus 11 bytes
//! (a 6,144-byte payload: at most 35 bytes, 0.57 %).
//!
//! # Sending
//!
//! [`Encoder`] is the sans-I/O core: it holds a 384-byte buffer (the open
//! COBS block and the closed ones not yet handed out) and the running CRC,
//! never the frame. [`blocking::LinkWriter`] (feature
//! `embedded-io`) and [`asynch::LinkWriter`] (feature `embedded-io-async`)
//! wrap a writer; each is itself a `Write`, so the streaming writers of
//! [`crate::io`] compose with it, and `end_frame` closes the frame. [`encode`]
//! frames a payload held in memory.
//!
//! # Receiving
//!
//! [`Decoder`] is a push decoder over a buffer you give it: feed it chunks of
//! any size; it unstuffs each frame into the buffer and, at the closing
//! delimiter, checks the CRC. **No payload byte leaves the decoder before its
//! CRC is checked**: [`Event::Frame`] is returned only for an intact frame, so
//! a damaged frame is never delivered as good. Damaged frames are reported
//! as [`Event::Damaged`] with the [`Damage`]; a frame whose sequence number
//! is not the one expected carries a [`Gap`]. The buffer bounds the payload
//! a frame may carry (its length minus 8 bytes); a longer frame is skipped
//! up to the next delimiter and reported as [`Damage::Overlong`].
//!
//! ```
//! use framewire::link::{self, Decoder, Event};
//! use framewire::{sac, Shape};
//!
//! // Two SAC frames, each in a link frame.
//! let mut frame = [0u8; 32];
//! let n = sac::encode(&[1, 2], &[3, 4], Shape::new(1, 2), &mut frame)?;
//! let mut wire = vec![0u8; 2 * link::encoded_len(n)];
//! let a = link::encode(0, &frame[..n], &mut wire)?;
//! let b = link::encode(1, &frame[..n], &mut wire[a..])?;
//! wire[a + 9] ^= 0x10; // a bit flip in the second frame
//!
//! let mut buf = [0u8; 64];
//! let mut dec = Decoder::new(&mut buf).expecting(0);
//! let (mut good, mut bad) = (0, 0);
//! for mut chunk in wire[..a + b].chunks(7) {
//!     while !chunk.is_empty() {
//!         let (used, event) = dec.push(chunk);
//!         chunk = &chunk[used..];
//!         match event {
//!             Some(Event::Frame(f)) => {
//!                 assert_eq!(f.payload, &frame[..n]);
//!                 good += 1;
//!             }
//!             Some(Event::Damaged(d)) => {
//!                 assert_eq!(d.damage, link::Damage::Crc);
//!                 bad += 1;
//!             }
//!             None => {}
//!         }
//!     }
//! }
//! assert!(dec.finish().is_none());
//! assert_eq!((good, bad), (1, 1));
//! # Ok::<(), framewire::Error>(())
//! ```

mod decode;
mod encode;

use core::fmt;

pub use decode::Decoder;
pub use encode::{encode, Encoder};

#[cfg(feature = "embedded-io-async")]
pub use encode::asynch;
#[cfg(feature = "embedded-io")]
pub use encode::blocking;

/// The frame delimiter.
pub const DELIMITER: u8 = 0x00;

/// Bytes of sequence number and CRC around the payload, before stuffing.
pub const HEADER_TRAILER: usize = 8;

/// Non-zero bytes per COBS block (a code byte of `0xFF`).
pub const BLOCK: usize = 254;

/// The CRC: CRC-32/ISO-HDLC, bit by bit (`NoTable`: no 1 KiB table in flash;
/// a link is slower than eight shifts per byte).
pub(crate) static CRC: crc::Crc<u32, crc::NoTable> =
    crc::Crc::<u32, crc::NoTable>::new(&crc::CRC_32_ISO_HDLC);

/// The most bytes a payload of `n` bytes takes on the wire, both delimiters
/// included: `n + 11 + (n + 8) / 254`, saturating at `usize::MAX`. Reached
/// when the stuffed bytes hold no zero; each zero in them saves nothing and
/// costs nothing, so the length is exact for a payload without zeros whose
/// sequence number and CRC have no zero byte either.
pub const fn encoded_len(n: usize) -> usize {
    let stuffed = n.saturating_add(HEADER_TRAILER);
    stuffed.saturating_add(stuffed / BLOCK).saturating_add(3)
}

/// What was wrong with a damaged frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Damage {
    /// The CRC does not match the bytes.
    Crc,
    /// The COBS stuffing is broken: the frame ended inside a block (a code
    /// byte pointed past the delimiter).
    BadStuffing,
    /// Fewer than 8 unstuffed bytes: no room for a sequence number and a CRC.
    TooShort,
    /// The frame is longer than the decoder's buffer; it was skipped.
    Overlong,
    /// The stream ended before the frame's closing delimiter.
    Truncated,
}

impl Damage {
    /// A short description.
    pub const fn describe(self) -> &'static str {
        match self {
            Damage::Crc => "CRC mismatch",
            Damage::BadStuffing => "bad COBS stuffing (a block runs past the delimiter)",
            Damage::TooShort => "too short for a sequence number and a CRC",
            Damage::Overlong => "longer than the decoder's buffer",
            Damage::Truncated => "cut short: the stream ended before its delimiter",
        }
    }
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// A damaged frame: what was wrong, and where it lay in the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Damaged {
    /// What was wrong.
    pub damage: Damage,
    /// Stream offset of the frame's first byte after its opening delimiter.
    pub offset: u64,
    /// Stuffed bytes between its delimiters.
    pub len: u64,
}

impl fmt::Display for Damaged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "damaged link frame at offset {} ({} bytes): {}",
            self.offset, self.len, self.damage
        )
    }
}

impl core::error::Error for Damaged {}

/// Sequence numbers that did not follow on: `got` arrived where `expected`
/// was due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Gap {
    /// The sequence number due.
    pub expected: u32,
    /// The one that arrived.
    pub got: u32,
}

impl Gap {
    /// Frames lost between them, `got - expected` modulo 2³² (a sender that
    /// restarted at 0 shows as a large gap).
    pub const fn lost(self) -> u32 {
        self.got.wrapping_sub(self.expected)
    }
}

impl fmt::Display for Gap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "sequence gap: expected {}, got {} ({} frames lost)",
            self.expected,
            self.got,
            self.lost()
        )
    }
}

/// An intact frame: its CRC matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Frame<'a> {
    /// Its sequence number.
    pub seq: u32,
    /// Its payload (a SAC or VCBN frame, for framewire's senders).
    pub payload: &'a [u8],
    /// Stream offset of its first byte after the opening delimiter.
    pub offset: u64,
    /// Set if `seq` is not the sequence number due.
    pub gap: Option<Gap>,
}

/// What the [`Decoder`] found at a closing delimiter (or at the end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Event<'a> {
    /// An intact frame.
    Frame(Frame<'a>),
    /// A damaged frame: never delivered, only reported.
    Damaged(Damaged),
}
