//! Streams of frames (SPEC §4): a push decoder for any chunking, and
//! streaming encoders that never hold a whole frame.
//!
//! # Decoding
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
//! - Errors carry the stream offset of the frame they belong to
//!   ([`StreamError`]). By default the decoder stops at the first one. In
//!   resync mode ([`Decoder::resync`]) it then scans for the next magic,
//!   starting one byte after the bad frame's start (including the header
//!   bytes it had buffered), so one bad frame costs that frame alone.
//! - The same bytes give the same events and errors whatever the chunking
//!   (payload slices split differently, of course).
//!
//! ```
//! use framewire::{sac, stream::{Decoder, Event, FrameHeader, Part}};
//!
//! // Two SAC frames back to back, fed in 5-byte chunks.
//! let mut wire = vec![0u8; 2 * sac::encoded_len(2, 2)?];
//! let n = sac::encode(&[1, 2], &[3, 4], 2, 1, &mut wire)?;
//! sac::encode(&[5, 6], &[7, 8], 0, 0, &mut wire[n..])?;
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
//!
//! # Encoding
//!
//! [`SacEncoder`] and [`VcbnEncoder`] are sans-I/O: they turn a frame's
//! header and then its samples, piece by piece, into bytes in a small buffer
//! you give them (a few hundred bytes of stack is plenty), so a frame larger
//! than RAM can be streamed as its samples are produced. Their output is
//! byte-identical to [`crate::sac::encode`] and [`crate::vcbn::encode`]. The
//! `embedded-io` and `embedded-io-async` features wrap them around a writer
//! (see [`crate::io`]).

use core::fmt;

use zerocopy::byteorder::little_endian::U16 as U16Le;
use zerocopy::FromBytes;

use crate::error::{Error, Field};
use crate::quant::{Quantizer, Samples};
use crate::sac;
use crate::vcbn::{self, Dtype, Limits, Params, Prefix, PREFIX_LEN};

/// The four magics a stream may carry.
const MAGICS: [[u8; 4]; 4] = [sac::MAGIC, vcbn::MAGIC, vcbn::MAGIC_IMPK, vcbn::MAGIC_CBIN];

const EXPECTED_ANY: &str = "\"SAC1\", \"VCBN\", \"IMPK\" or \"CBIN\"";

/// Whether `bytes` (at most 4) is the start of some magic.
fn is_magic_prefix(bytes: &[u8]) -> bool {
    MAGICS.iter().any(|m| m.starts_with(bytes))
}

/// Whether `b` can start a magic.
fn is_magic_start(b: u8) -> bool {
    matches!(b, b'S' | b'V' | b'I' | b'C')
}

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

/// The wire format of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Format {
    /// SAC v1.
    Sac,
    /// VCBN envelope.
    Vcbn,
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
        /// Byte offset of `data` within the part.
        offset: u64,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
enum Phase {
    /// Collecting a frame's header bytes into `buf[..head_len]`.
    Head,
    /// The header event is due (the header is parsed and in `buf`).
    HeaderDue,
    /// Skipping the VCBN pad byte.
    Pad,
    /// Handing out a part's payload.
    Payload { part: Part, done: u64, len: u64 },
    /// The end event is due.
    EndDue,
    /// Resync: looking for a magic; `buf[..head_len]` holds a candidate (< 4 bytes).
    Scan,
    /// Stopped after an error (strict mode).
    Stopped,
}

/// What the header bytes turned out to be, once parsed.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
enum Parsed {
    None,
    Sac(sac::Header),
    Vcbn(vcbn::Header),
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
}

impl<const N: usize> Default for Decoder<N> {
    fn default() -> Self {
        Self::new()
    }
}

/// The result of processing: an event described by indices, so that the
/// borrow of the decoder's buffer is taken only once, at the end.
enum Out {
    Header(u64),
    Payload {
        part: Part,
        offset: u64,
        from_replay: bool,
        start: usize,
        len: usize,
    },
    End {
        offset: u64,
        len: u64,
        format: Format,
    },
    Error(StreamError),
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
        Events {
            dec: self,
            input: chunk,
            last: &[],
            at_end: false,
        }
    }

    /// Declares the end of the stream. Drain the returned events like a
    /// chunk's: a frame cut short is reported as [`Error::Truncated`] (with
    /// its offset); in resync mode, frames hidden in the header bytes buffered
    /// for it are then still recovered. Afterwards the decoder is ready for a
    /// new stream (offsets continue from [`Decoder::position`]).
    pub fn finish(&mut self) -> Events<'_, 'static, N> {
        Events {
            dec: self,
            input: &[],
            last: &[],
            at_end: true,
        }
    }

    /// The error for a frame cut short by the end of the stream, if one is
    /// pending, and whether its buffered bytes are worth re-scanning (only a
    /// header is; payload bytes were handed out, not kept).
    fn pending_truncation(&self) -> Option<(Error, bool)> {
        let available = self.pos.saturating_sub(self.frame_start);
        let (needed, rescan) = match (self.phase, self.parsed) {
            (Phase::Head, _) if self.head_len > 0 => (self.head_need() as u64, true),
            (Phase::Pad | Phase::Payload { .. }, Parsed::Sac(h)) => (h.frame_len(), false),
            (Phase::Pad | Phase::Payload { .. }, Parsed::Vcbn(h)) => (h.frame_len(), false),
            _ => return None,
        };
        Some((Error::Truncated { needed, available }, rescan))
    }

    /// How many header bytes the current frame needs in the buffer.
    fn head_need(&self) -> usize {
        if self.head_len < 4 {
            return 4;
        }
        let magic = self.buf.get(..4).unwrap_or(&[]);
        if magic == sac::MAGIC {
            return sac::HEADER_LEN;
        }
        if self.head_len < PREFIX_LEN {
            return PREFIX_LEN;
        }
        let len = self
            .buf
            .get(5..9)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map_or(0, u32::from_be_bytes);
        PREFIX_LEN.saturating_add(len as usize)
    }

    /// The header-length limit actually applied: the configured one, capped
    /// so that prefix and JSON fit the buffer.
    fn effective_limits(&self) -> Limits {
        let room = u32::try_from(N.saturating_sub(PREFIX_LEN)).unwrap_or(u32::MAX);
        let max = self.limits.max_header_len().min(room);
        self.limits.with_max_header_len(max)
    }

    fn error(&mut self, error: Error) -> Out {
        let err = StreamError {
            offset: self.frame_start,
            error,
        };
        if !self.resync {
            self.phase = Phase::Stopped;
            self.head_len = 0;
            self.replay_start = 0;
            self.replay_end = 0;
            return Out::Error(err);
        }
        // Re-scan from one byte after the bad frame's start: the buffered
        // header bytes, then whatever was still to be replayed.
        let pending = self.replay_end.saturating_sub(self.replay_start);
        if pending > 0 {
            move_within(
                &mut self.buf,
                self.replay_start,
                self.replay_end,
                self.head_len,
            );
        }
        let total = self.head_len.saturating_add(pending);
        self.replay_start = 1.min(total);
        self.replay_end = total;
        self.head_len = 0;
        self.parsed = Parsed::None;
        self.frame_start = self.frame_start.saturating_add(1);
        self.pos = self.frame_start;
        self.phase = Phase::Scan;
        Out::Error(err)
    }

    /// Parses the buffered header once `head_len` reached `head_need()`.
    /// Returns an event (or error) if one is due now.
    fn on_head_complete(&mut self) -> Option<Out> {
        let head = self.buf.get(..self.head_len).unwrap_or(&[]);
        if self.head_len == 4 {
            let found: [u8; 4] = head.try_into().unwrap_or([0; 4]);
            if !MAGICS.contains(&found) {
                return Some(self.error(Error::BadMagic {
                    found,
                    expected: EXPECTED_ANY,
                }));
            }
            return None;
        }
        if head.starts_with(&sac::MAGIC) {
            return match sac::Header::parse(head) {
                Ok(h) => {
                    self.parsed = Parsed::Sac(*h);
                    self.phase = Phase::HeaderDue;
                    None
                }
                Err(e) => Some(self.error(e)),
            };
        }
        // With HEADER_LEN = 0 the prefix is the whole header: parse it all
        // now, or the decoder would wait forever for zero more bytes.
        if self.head_len == PREFIX_LEN && self.head_need() > PREFIX_LEN {
            let limits = self.effective_limits();
            return match Prefix::parse(head, &limits) {
                Ok(_) => None,
                Err(e) => Some(self.error(e)),
            };
        }
        let limits = self.effective_limits();
        let parsed = Prefix::parse(head, &limits).and_then(|prefix| {
            let json = head.get(PREFIX_LEN..).unwrap_or(&[]);
            vcbn::Header::parse_json(json, &limits)
                .map(|h| h.with_prefix(&prefix))
                .map_err(|e| e.shifted(PREFIX_LEN as u64))
        });
        match parsed {
            Ok(h) => {
                self.parsed = Parsed::Vcbn(h);
                self.phase = Phase::HeaderDue;
                None
            }
            Err(e) => Some(self.error(e)),
        }
    }

    /// The phase after the header event: the first non-empty payload part,
    /// the pad, or the end.
    fn after_header(&mut self) {
        self.phase = match self.parsed {
            Parsed::Sac(h) => next_sac_part(&h, None),
            Parsed::Vcbn(h) if h.pad_len() == 1 => Phase::Pad,
            Parsed::Vcbn(h) => blob_phase(&h),
            Parsed::None => Phase::Head,
        };
    }

    fn end_event(&mut self) -> Out {
        let (len, format) = match self.parsed {
            Parsed::Sac(h) => (h.frame_len(), Format::Sac),
            Parsed::Vcbn(h) => (h.frame_len(), Format::Vcbn),
            Parsed::None => (0, Format::Sac),
        };
        let offset = self.frame_start;
        self.phase = Phase::Head;
        self.parsed = Parsed::None;
        self.head_len = 0;
        self.frame_start = self.pos;
        Out::End {
            offset,
            len,
            format,
        }
    }
}

/// Moves `buf[start..end]` down to `dest` (`dest <= start`; the ranges may
/// overlap), skipping bytes out of bounds. A plain forward loop rather than
/// `copy_within`: that is an out-of-line generic whose own range checks stay
/// (a panic path) whenever it is not inlined into a caller that proves them.
/// The moves are of header bytes, a few at a time.
fn move_within(buf: &mut [u8], start: usize, end: usize, dest: usize) {
    for (from, to) in (start..end).zip(dest..) {
        if let Some(&b) = buf.get(from) {
            if let Some(d) = buf.get_mut(to) {
                *d = b;
            }
        }
    }
}

fn next_sac_part(h: &sac::Header, after: Option<Part>) -> Phase {
    let (a, b) = (h.len_a_bytes(), h.len_b_bytes());
    match after {
        None if a > 0 => Phase::Payload {
            part: Part::A,
            done: 0,
            len: a,
        },
        None | Some(Part::A) if b > 0 => Phase::Payload {
            part: Part::B,
            done: 0,
            len: b,
        },
        _ => Phase::EndDue,
    }
}

fn blob_phase(h: &vcbn::Header) -> Phase {
    if h.blob_len() > 0 {
        Phase::Payload {
            part: Part::Blob,
            done: 0,
            len: h.blob_len(),
        }
    } else {
        Phase::EndDue
    }
}

/// The events of one chunk. Call [`Events::next`] until `None`.
#[derive(Debug)]
pub struct Events<'d, 'a, const N: usize> {
    dec: &'d mut Decoder<N>,
    input: &'a [u8],
    /// The input slice most recently handed out as payload.
    last: &'a [u8],
    /// These are the end-of-stream events of [`Decoder::finish`].
    at_end: bool,
}

#[cfg(feature = "defmt")]
impl<const N: usize> defmt::Format for Events<'_, '_, N> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "stream::Events {{ remaining: {=usize} bytes, at_end: {=bool}, decoder: {} }}",
            self.remaining().len(),
            self.at_end,
            self.dec
        )
    }
}

impl<const N: usize> Events<'_, '_, N> {
    /// Input of this chunk not consumed yet.
    pub fn remaining(&self) -> &[u8] {
        self.input
    }

    /// The next event or error, or `None` once the chunk is used up (more
    /// input needed). The event borrows from the chunk or the decoder, so use
    /// it before calling `next` again.
    #[allow(clippy::should_implement_trait)] // a lending iterator
    pub fn next(&mut self) -> Option<Result<Event<'_>, StreamError>> {
        // The common case on a link: more of the current frame's payload,
        // straight from the caller's chunk (nothing buffered to replay).
        // Same transitions as `step`, without its dispatch.
        if let Phase::Payload { part, done, len } = self.dec.phase {
            if self.dec.replay_start >= self.dec.replay_end {
                let avail = self.input.len();
                if avail == 0 && !self.at_end {
                    return None; // the chunk is used up mid-part
                }
                if avail > 0 {
                    self.advance_payload(false, avail, part, done, len);
                    return Some(Ok(Event::Payload {
                        part,
                        offset: done,
                        data: self.last,
                    }));
                }
            }
        }
        let out = self.step()?;
        Some(match out {
            Out::Error(e) => Err(e),
            Out::End {
                offset,
                len,
                format,
            } => Ok(Event::End {
                offset,
                len,
                format,
            }),
            Out::Header(offset) => {
                let header = match self.dec.parsed {
                    Parsed::Vcbn(h) => {
                        let end = PREFIX_LEN.saturating_add(h.header_len() as usize);
                        let json = self.dec.buf.get(PREFIX_LEN..end).unwrap_or(&[]);
                        FrameHeader::Vcbn {
                            header: h,
                            // UTF-8 was checked when the header was parsed.
                            json: core::str::from_utf8(json).unwrap_or(""),
                        }
                    }
                    Parsed::Sac(h) => FrameHeader::Sac(h),
                    // `Out::Header` is only produced with a parsed header.
                    Parsed::None => FrameHeader::Sac(sac::Header::new(0, 0, 0, 0).ok()?),
                };
                Ok(Event::Header { offset, header })
            }
            Out::Payload {
                part,
                offset,
                from_replay,
                start,
                len,
            } => {
                let data = if from_replay {
                    self.dec
                        .buf
                        .get(start..start.saturating_add(len))
                        .unwrap_or(&[])
                } else {
                    self.last
                };
                Ok(Event::Payload { part, offset, data })
            }
        })
    }

    /// Moves `n` bytes from the source (replay or input) into the header
    /// buffer at `head_len`.
    fn take_into_head(&mut self, from_replay: bool, n: usize) {
        let dec = &mut *self.dec;
        let at = dec.head_len;
        if from_replay {
            let end = dec.replay_start.saturating_add(n);
            if at <= dec.replay_start {
                move_within(&mut dec.buf, dec.replay_start, end, at);
            }
            dec.replay_start = dec.replay_start.saturating_add(n);
        } else {
            let (head, rest) = self.input.split_at(n.min(self.input.len()));
            if let Some(dst) = dec.buf.get_mut(at..at.saturating_add(head.len())) {
                crate::copy_exact(dst, head);
            }
            self.input = rest;
            dec.taken = dec.taken.saturating_add(n as u64);
        }
        dec.head_len = at.saturating_add(n);
        dec.pos = dec.pos.saturating_add(n as u64);
    }

    /// Skips `n` bytes of the source; returns where they started in `buf`
    /// (for replay) and records them in `last` (for input).
    fn skip(&mut self, from_replay: bool, n: usize) -> usize {
        let dec = &mut *self.dec;
        dec.pos = dec.pos.saturating_add(n as u64);
        if from_replay {
            let start = dec.replay_start;
            dec.replay_start = start.saturating_add(n);
            start
        } else {
            let (used, rest) = self.input.split_at(n.min(self.input.len()));
            self.last = used;
            self.input = rest;
            dec.taken = dec.taken.saturating_add(n as u64);
            0
        }
    }

    /// Hands out up to `avail` bytes of the current part (`done` of `len`
    /// bytes so far) and moves the phase on; returns where the bytes start
    /// in `buf` (for replay) and how many there are.
    #[inline(always)]
    fn advance_payload(
        &mut self,
        from_replay: bool,
        avail: usize,
        part: Part,
        done: u64,
        len: u64,
    ) -> (usize, usize) {
        let left = len.saturating_sub(done);
        let take = usize::try_from(left).unwrap_or(usize::MAX).min(avail);
        let start = self.skip(from_replay, take);
        let done_now = done.saturating_add(take as u64);
        self.dec.phase = if done_now < len {
            Phase::Payload {
                part,
                done: done_now,
                len,
            }
        } else if part == Part::A {
            match &self.dec.parsed {
                Parsed::Sac(h) => next_sac_part(h, Some(Part::A)),
                _ => Phase::EndDue,
            }
        } else {
            Phase::EndDue
        };
        (start, take)
    }

    /// Runs the state machine until it has something to report or the
    /// input is used up.
    fn step(&mut self) -> Option<Out> {
        loop {
            match self.dec.phase {
                Phase::HeaderDue => {
                    let offset = self.dec.frame_start;
                    self.dec.after_header();
                    return Some(Out::Header(offset));
                }
                Phase::EndDue => return Some(self.dec.end_event()),
                _ => {}
            }
            let from_replay = self.dec.replay_start < self.dec.replay_end;
            let avail = if from_replay {
                self.dec.replay_end.saturating_sub(self.dec.replay_start)
            } else {
                self.input.len()
            };
            if avail == 0 {
                if !self.at_end {
                    return None;
                }
                return match self.dec.pending_truncation() {
                    Some((error, true)) => Some(self.dec.error(error)),
                    Some((error, false)) => {
                        let offset = self.dec.frame_start;
                        self.dec.reset();
                        Some(Out::Error(StreamError { offset, error }))
                    }
                    None => {
                        self.dec.reset();
                        None
                    }
                };
            }
            match self.dec.phase {
                Phase::Stopped => {
                    self.skip(from_replay, avail);
                    return None;
                }
                Phase::Head => {
                    let need = self.dec.head_need();
                    let want = need.saturating_sub(self.dec.head_len);
                    if self.dec.head_len.saturating_add(want) > N {
                        // Cannot happen: the prefix check caps HEADER_LEN at N - 9.
                        let err = Error::HeaderTooLong {
                            len: need as u64,
                            limit: N as u64,
                        };
                        return Some(self.dec.error(err));
                    }
                    let take = want.min(avail);
                    self.take_into_head(from_replay, take);
                    if self.dec.head_len == need {
                        if let Some(out) = self.dec.on_head_complete() {
                            return Some(out);
                        }
                    }
                }
                Phase::Pad => {
                    self.skip(from_replay, 1);
                    self.dec.phase = match self.dec.parsed {
                        Parsed::Vcbn(h) => blob_phase(&h),
                        _ => Phase::EndDue,
                    };
                }
                Phase::Payload { part, done, len } => {
                    let (start, take) = self.advance_payload(from_replay, avail, part, done, len);
                    return Some(Out::Payload {
                        part,
                        offset: done,
                        from_replay,
                        start,
                        len: take,
                    });
                }
                Phase::Scan => {
                    if self.dec.head_len == 0 {
                        // Jump to the first byte that can start a magic.
                        let src = if from_replay {
                            self.dec
                                .buf
                                .get(self.dec.replay_start..self.dec.replay_end)
                                .unwrap_or(&[])
                        } else {
                            self.input
                        };
                        let skip = src
                            .iter()
                            .position(|&b| is_magic_start(b))
                            .unwrap_or(src.len());
                        self.skip(from_replay, skip);
                        self.dec.frame_start = self.dec.pos;
                        if skip == avail {
                            continue;
                        }
                    }
                    self.take_into_head(from_replay, 1);
                    let dec = &mut *self.dec;
                    while dec.head_len > 0
                        && !is_magic_prefix(dec.buf.get(..dec.head_len).unwrap_or(&[]))
                    {
                        move_within(&mut dec.buf, 1, dec.head_len, 0);
                        dec.head_len = dec.head_len.saturating_sub(1);
                        dec.frame_start = dec.frame_start.saturating_add(1);
                    }
                    if dec.head_len == 4 {
                        dec.phase = Phase::Head;
                    }
                }
                Phase::HeaderDue | Phase::EndDue => {}
            }
        }
    }
}

/// Streams one SAC frame: the 24-byte header, then array A, then array B,
/// written piece by piece into buffers you provide. Byte-identical to
/// [`crate::sac::encode`].
///
/// ```
/// use framewire::{sac, stream::SacEncoder};
///
/// let (a, b) = ([1i16, -2, 3, -4], [5i16, 6, 7, 8]);
/// let mut enc = SacEncoder::new(a.len(), b.len(), 2, 2)?;
/// let mut wire = enc.header().to_vec();
/// let mut piece = [0u8; 4]; // two samples at a time
/// for samples in a.chunks(2).chain(b.chunks(2)) {
///     let (used, written) = enc.encode(samples, &mut piece)?;
///     assert_eq!(used, samples.len());
///     wire.extend_from_slice(&piece[..written]);
/// }
/// enc.finish()?;
/// let mut one_shot = [0u8; 40];
/// let n = sac::encode(&a, &b, 2, 2, &mut one_shot)?;
/// assert_eq!(wire, &one_shot[..n]);
/// # Ok::<(), framewire::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SacEncoder {
    header: sac::Header,
    /// Samples of A, then B, still to come.
    a_left: u64,
    b_left: u64,
}

impl SacEncoder {
    /// Starts a frame with the given array lengths and shape (the same checks
    /// as [`crate::sac::Header::new`]).
    pub fn new(length_a: usize, length_b: usize, width: u32, height: u32) -> Result<Self, Error> {
        let header = sac::Header::new(length_a, length_b, width, height)?;
        Ok(SacEncoder {
            header,
            a_left: u64::from(header.length_a()),
            b_left: u64::from(header.length_b()),
        })
    }

    /// The header bytes, to be written first.
    pub fn header(&self) -> [u8; sac::HEADER_LEN] {
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
    /// written)`. More samples than the frame has left is
    /// [`Error::LengthMismatch`].
    pub fn encode(&mut self, samples: &[i16], out: &mut [u8]) -> Result<(usize, usize), Error> {
        if samples.len() as u64 > self.remaining() {
            return Err(Error::LengthMismatch {
                field: Field::Samples,
                expected: self.remaining(),
                actual: samples.len() as u64,
            });
        }
        let n = samples.len().min(out.len() / 2);
        let (src, dst) = (
            samples.get(..n).unwrap_or(&[]),
            out.get_mut(..n.saturating_mul(2)),
        );
        if let Some(dst) = dst {
            sac::write_le(src, dst);
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

/// Streams one VCBN frame: the canonical header, then the blob, quantizing
/// float samples piece by piece into buffers you provide. Byte-identical to
/// [`crate::vcbn::encode`].
///
/// ```
/// use framewire::{quant::Samples, stream::VcbnEncoder, vcbn::{self, Dtype, Params}};
///
/// let row = [0.0f32, 0.5, 1.0, f32::NAN];
/// let params = Params::new(Dtype::U16, 0.0, 1.0);
/// let mut enc = VcbnEncoder::new([3, 4], params)?;
/// let mut wire = vec![0u8; enc.header_len()];
/// enc.write_header(&mut wire)?;
/// let mut piece = [0u8; 64];
/// for _ in 0..3 {
///     // One row at a time, as a sensor would produce them.
///     let (used, written) = enc.encode(Samples::F32(&row), &mut piece)?;
///     assert_eq!(used, 4);
///     wire.extend_from_slice(&piece[..written]);
/// }
/// enc.finish()?;
/// let frame = vcbn::decode(&wire)?;
/// assert_eq!(frame.blob().iter().take(4).collect::<Vec<_>>(), [0, 2048, 4096, 0]);
/// # Ok::<(), framewire::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct VcbnEncoder {
    shape: [u64; 2],
    params: Params,
    quantizer: Quantizer,
    /// Samples in the frame, and still to come.
    total: u64,
    left: u64,
}

impl VcbnEncoder {
    /// Starts a frame of `shape = [H, W]` (checks the parameters and sizes).
    pub fn new(shape: [u64; 2], params: Params) -> Result<Self, Error> {
        vcbn::header_len_total(shape, &params)?;
        let [h, w] = shape;
        let total = h.checked_mul(w).ok_or(Error::SizeOverflow {
            field: Field::Shape,
        })?;
        Ok(VcbnEncoder {
            shape,
            params,
            quantizer: params.quantizer(),
            total,
            left: total,
        })
    }

    /// Bytes of header (prefix, JSON, pad) that [`VcbnEncoder::write_header`]
    /// writes; at most [`vcbn::MAX_CANONICAL_HEADER_LEN`].
    pub fn header_len(&self) -> usize {
        vcbn::header_len_total(self.shape, &self.params).unwrap_or(0)
    }

    /// The whole frame's length in bytes.
    pub fn frame_len(&self) -> u64 {
        let blob = self.total.saturating_mul(self.params.dtype.size());
        (self.header_len() as u64).saturating_add(blob)
    }

    /// Writes the header into `out`; returns its length.
    pub fn write_header(&self, out: &mut [u8]) -> Result<usize, Error> {
        vcbn::write_header(self.shape, &self.params, out)
    }

    /// Samples still expected.
    pub fn remaining(&self) -> u64 {
        self.left
    }

    /// Quantizes the next samples (C order) into `out`, as many as fit.
    /// Returns `(samples used, bytes written)`. More samples than the frame
    /// has left is [`Error::LengthMismatch`].
    pub fn encode(
        &mut self,
        samples: Samples<'_>,
        out: &mut [u8],
    ) -> Result<(usize, usize), Error> {
        if samples.len() as u64 > self.left {
            return Err(Error::LengthMismatch {
                field: Field::Samples,
                expected: self.left,
                actual: samples.len() as u64,
            });
        }
        let size = self.params.dtype.size() as usize;
        let n = samples.len().min(out.len().checked_div(size).unwrap_or(0));
        let part = samples.sub(0, n).ok_or(Error::LengthMismatch {
            field: Field::Samples,
            expected: n as u64,
            actual: samples.len() as u64,
        })?;
        let bytes = n.saturating_mul(size);
        let dst = out.get_mut(..bytes).ok_or(Error::BufferTooSmall {
            needed: bytes as u64,
            available: 0,
        })?;
        match self.params.dtype {
            Dtype::U8 => part.quantize_into(&self.quantizer, dst)?,
            Dtype::U16 => {
                let levels = <[U16Le]>::mut_from_bytes(dst)
                    .map_err(|_| Error::SizeOverflow { field: Field::Blob })?;
                part.quantize_into(&self.quantizer, levels)?;
            }
        }
        self.left = self.left.saturating_sub(n as u64);
        Ok((n, bytes))
    }

    /// Checks that every sample was given.
    pub fn finish(&self) -> Result<(), Error> {
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
