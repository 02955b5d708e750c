//! Streams of frames: a push decoder for any chunking. The rules are in
//! [`docs/FORMATS.md`](https://github.com/framewire/framewire/blob/main/docs/FORMATS.md#5-streams-of-frames).
//!
//! Firmware writes SAC and VCBN frames back to back on one byte link; a
//! receiver reads the link in chunks of any size. [`Decoder`] takes those
//! chunks and returns [`Event`]s: a frame's header, its payload (array A,
//! array B or the VCBN blob) as slices borrowed straight from your chunk, and
//! the end of the frame.
//!
//! - It keeps its place across chunks and never re-scans input it has
//!   consumed: each byte is looked at once (after an error in resync mode,
//!   the bad frame's buffered header bytes are scanned once more, see below).
//! - It holds only a bounded header buffer of `N` bytes (the const generic),
//!   which must fit a SAC header (24 bytes) and a VCBN prefix plus header JSON
//!   (`9 + HEADER_LEN`). It never allocates and never buffers payload.
//! - Incomplete input is not an error: feed more. A stream that ends
//!   mid-frame is reported by [`Decoder::finish`] as [`Error::Truncated`].
//! - A frame whose *payload* is cut short cannot be told from a whole one
//!   (neither format carries a checksum): it takes the next frame's first
//!   bytes as its own, and the decoder recovers at the next header that
//!   fails validation.
//! - Every `offset` in an [`Event`] or a [`StreamError`] is a stream offset:
//!   bytes from the start of the stream.
//! - By default the decoder stops at the first error. In resync mode
//!   ([`Decoder::resync`]) it then scans for the next magic, starting one
//!   byte after the bad frame's start (including the header bytes it had
//!   buffered), so one bad frame costs that frame alone.
//! - The same bytes give the same events and errors whatever the chunking
//!   (payload slices split differently, of course).
//! - Only formats with a magic can be found in a byte stream: SAC (`SAC1`)
//!   and VCBN (`VCBN`, `IMPK`, `CBIN`). imgpack's latest layout has none and
//!   is decoded from whole messages only ([`crate::imgpack`]).
//!
//! The encoders that produce such streams piece by piece are
//! [`sac::Encoder`] and [`vcbn::Encoder`] (sans-I/O), and the writers in
//! [`crate::io`].
//!
//! ```
//! use framewire::{sac, stream::{Decoder, Event, FrameHeader, Part}, Shape};
//!
//! // Two SAC frames back to back, fed in 5-byte chunks.
//! let mut wire = vec![0u8; 2 * sac::encoded_len(2, 2)?];
//! let n = sac::encode(&[1, 2], &[3, 4], Shape::new(1, 2), &mut wire)?;
//! sac::encode(&[5, 6], &[7, 8], Shape::UNKNOWN, &mut wire[n..])?;
//!
//! let mut dec = Decoder::<64>::new();
//! let (mut frames, mut a_bytes) = (0, Vec::new());
//! for chunk in wire.chunks(5) {
//!     let mut events = dec.feed(chunk);
//!     while let Some(event) = events.next() {
//!         match event? {
//!             Event::Header { header: FrameHeader::Sac(h), .. } => assert_eq!(h.length_a(), 2),
//!             Event::Payload { part: Part::A, data, .. } => a_bytes.extend_from_slice(data),
//!             Event::End { .. } => frames += 1,
//!             _ => {}
//!         }
//!     }
//! }
//! let mut end = dec.finish(); // the end of the stream: reports a frame cut short
//! assert!(end.next().is_none());
//! assert_eq!(frames, 2);
//! assert_eq!(a_bytes, [1, 0, 2, 0, 5, 0, 6, 0]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod events;
mod state;

use core::fmt;

use crate::error::Error;
use crate::vcbn::Limits;
use crate::{sac, vcbn};

pub use crate::frame::Format;
pub use events::Events;
use state::{Parsed, Phase};

/// A decoder error with the stream offset of the frame it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct StreamError {
    /// Stream offset of the first byte of the bad frame (or of the bytes that
    /// should have been a magic).
    pub offset: u64,
    /// What was wrong; offsets inside it are relative to `offset`.
    pub error: Error,
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at stream offset {}: {}", self.offset, self.error)
    }
}

impl core::error::Error for StreamError {}

/// Which part of a frame a payload slice belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Part {
    /// SAC array A (little-endian `int16` bytes).
    A,
    /// SAC array B (little-endian `int16` bytes).
    B,
    /// The VCBN blob.
    Blob,
}

/// A parsed frame header.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum FrameHeader<'x> {
    /// A SAC header.
    Sac(sac::Header),
    /// A VCBN header, with its JSON text as received.
    Vcbn {
        /// The decoded header.
        header: vcbn::Header,
        /// The header JSON.
        json: &'x str,
    },
}

impl FrameHeader<'_> {
    /// The frame's format.
    pub fn format(&self) -> Format {
        match self {
            FrameHeader::Sac(_) => Format::Sac,
            FrameHeader::Vcbn { .. } => Format::Vcbn,
        }
    }

    /// The whole frame's length in bytes.
    pub fn frame_len(&self) -> u64 {
        match self {
            FrameHeader::Sac(h) => h.frame_len(),
            FrameHeader::Vcbn { header, .. } => header.frame_len(),
        }
    }
}

/// What the decoder found.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Event<'x> {
    /// A frame's header is parsed.
    Header {
        /// Stream offset of the frame's first byte.
        offset: u64,
        /// The header.
        header: FrameHeader<'x>,
    },
    /// A piece of payload. Pieces of one part arrive in order and without gaps;
    /// empty parts produce no piece.
    Payload {
        /// Which part.
        part: Part,
        /// Stream offset of `data`'s first byte.
        offset: u64,
        /// Offset of `data`'s first byte within the part (0 for the part's
        /// first piece).
        part_offset: u64,
        /// The bytes, borrowed from your chunk (or, right after a resync, from
        /// the decoder's header buffer).
        data: &'x [u8],
    },
    /// A frame is complete.
    End {
        /// Stream offset of the frame's first byte.
        offset: u64,
        /// The frame's length in bytes.
        len: u64,
        /// The frame's format.
        format: Format,
    },
}

/// The push decoder. `N` is the size of its header buffer in bytes (at
/// least 24); VCBN headers longer than `N - 9` bytes are refused with
/// [`Error::HeaderTooLong`]. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct Decoder<const N: usize> {
    buf: [u8; N],
    /// Bytes of the current frame's header in `buf[..head_len]`.
    head_len: usize,
    /// Bytes still to process before new input: `buf[replay_start..replay_end]`,
    /// always at or after `head_len`.
    replay_start: usize,
    replay_end: usize,
    phase: Phase,
    parsed: Parsed,
    /// Stream offset of the current frame's first byte.
    frame_start: u64,
    /// Stream offset of the next byte to process.
    pos: u64,
    /// Bytes taken from the caller's chunks.
    taken: u64,
    limits: Limits,
    resync: bool,
    /// At the end of the stream, a `Truncated` was reported: the bytes
    /// replayed after it lie inside that frame, so a frame they begin and
    /// do not finish is not reported again.
    cut_at_end: bool,
}

impl<const N: usize> Default for Decoder<N> {
    fn default() -> Self {
        Self::new()
    }
}

/// Shows the decoder's state, not its buffer.
#[cfg(feature = "defmt")]
impl<const N: usize> defmt::Format for Decoder<N> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "stream::Decoder<{=usize}> {{ position: {=u64}, frame_start: {=u64}, idle: {=bool}, stopped: {=bool}, resync: {=bool}, limits: {} }}",
            N,
            self.position(),
            self.frame_start,
            self.is_idle(),
            self.is_stopped(),
            self.resync,
            self.limits
        )
    }
}

impl<const N: usize> Decoder<N> {
    const CHECK_N: () = assert!(N >= sac::HEADER_LEN, "Decoder<N> needs N >= 24");

    /// A decoder with the default [`Limits`], stopping at the first error.
    pub const fn new() -> Self {
        Self::with_limits(Limits::DEFAULT)
    }

    /// A decoder with the given limits (the header length limit is further
    /// capped by the buffer: `N - 9`).
    pub const fn with_limits(limits: Limits) -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::CHECK_N;
        Decoder {
            buf: [0; N],
            head_len: 0,
            replay_start: 0,
            replay_end: 0,
            phase: Phase::Head,
            parsed: Parsed::None,
            frame_start: 0,
            pos: 0,
            taken: 0,
            limits,
            resync: false,
            cut_at_end: false,
        }
    }

    /// Turns resync mode on or off: after an error, scan for the next magic
    /// instead of stopping.
    #[must_use]
    pub const fn resync(mut self, on: bool) -> Self {
        self.resync = on;
        self
    }

    /// The limits this decoder applies (before capping by `N`).
    pub const fn limits(&self) -> Limits {
        self.limits
    }

    /// Whether resync mode is on.
    pub const fn is_resync(&self) -> bool {
        self.resync
    }

    /// Whether the decoder stopped after an error (strict mode). It then
    /// ignores input until [`Decoder::reset`].
    pub fn is_stopped(&self) -> bool {
        self.phase == Phase::Stopped
    }

    /// Bytes consumed from the chunks fed so far.
    pub fn position(&self) -> u64 {
        self.taken
    }

    /// Whether the decoder sits between frames (nothing pending).
    pub fn is_idle(&self) -> bool {
        (self.phase == Phase::Head || self.phase == Phase::Scan)
            && self.head_len == 0
            && self.replay_start >= self.replay_end
    }

    /// Forgets any partial frame and error; the next byte fed starts a frame
    /// (its stream offset continues from [`Decoder::position`]).
    pub fn reset(&mut self) {
        self.head_len = 0;
        self.cut_at_end = false;
        self.replay_start = 0;
        self.replay_end = 0;
        self.phase = Phase::Head;
        self.parsed = Parsed::None;
        self.pos = self.taken;
        self.frame_start = self.taken;
    }

    /// Starts decoding `chunk`. Call [`Events::next`] until it returns `None`;
    /// by then the whole chunk is consumed.
    pub fn feed<'d, 'a>(&'d mut self, chunk: &'a [u8]) -> Events<'d, 'a, N> {
        self.cut_at_end = false;
        Events {
            dec: self,
            input: chunk,
            last: &[],
            at_end: false,
        }
    }

    /// Declares the end of the stream. Drain the returned events like a
    /// chunk's: a frame cut short is reported as [`Error::Truncated`] (with
    /// its offset), including, in resync mode, the first 1 to 3 bytes of a
    /// magic; in resync mode, whole frames hidden in the header bytes
    /// buffered for it are then still recovered (a header they begin and
    /// do not finish lies inside the frame reported, and is not reported
    /// again; a frame whose header was handed out gets its `Truncated`).
    /// Afterwards the decoder is ready for a
    /// new stream (offsets continue from [`Decoder::position`]).
    pub fn finish(&mut self) -> Events<'_, 'static, N> {
        Events {
            dec: self,
            input: &[],
            last: &[],
            at_end: true,
        }
    }
}
