//! The decoder's state machine: its phases, and the transitions that do not
//! depend on the input at hand.

use crate::error::Error;
use crate::frame::EXPECTED_ANY;
use crate::sac;
use crate::vcbn::{self, Limits, Prefix, PREFIX_LEN};

use super::{Decoder, Format, Part, StreamError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(super) enum Phase {
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
pub(super) enum Parsed {
    None,
    Sac(sac::Header),
    Vcbn(vcbn::Header),
}

/// The result of processing: an event described by indices, so that the
/// borrow of the decoder's buffer is taken only once, at the end.
pub(super) enum Out {
    Header(u64),
    Payload {
        part: Part,
        /// Stream offset of the first byte.
        offset: u64,
        /// Offset within the part.
        part_offset: u64,
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

impl<const N: usize> Decoder<N> {
    /// The error for a frame cut short by the end of the stream, if one is
    /// pending, and whether its buffered bytes are worth re-scanning (only a
    /// header is; payload bytes were handed out, not kept).
    pub(super) fn pending_truncation(&self) -> Option<(Error, bool)> {
        let available = self.pos.saturating_sub(self.frame_start);
        let (needed, rescan) = match (self.phase, self.parsed) {
            (Phase::Head, _) if self.head_len > 0 => (self.head_need() as u64, true),
            // Resync: the start of a magic (1 to 3 bytes) cut off by the end.
            (Phase::Scan, _) if self.head_len > 0 => (4, true),
            (Phase::Pad | Phase::Payload { .. }, Parsed::Sac(h)) => (h.frame_len(), false),
            (Phase::Pad | Phase::Payload { .. }, Parsed::Vcbn(h)) => (h.frame_len(), false),
            _ => return None,
        };
        Some((Error::Truncated { needed, available }, rescan))
    }

    /// How many header bytes the current frame needs in the buffer.
    pub(super) fn head_need(&self) -> usize {
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
    pub(super) fn effective_limits(&self) -> Limits {
        let room = u32::try_from(N.saturating_sub(PREFIX_LEN)).unwrap_or(u32::MAX);
        let max = self.limits.max_json_len().min(room);
        self.limits.with_max_json_len(max)
    }

    pub(super) fn error(&mut self, error: Error) -> Out {
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
    pub(super) fn on_head_complete(&mut self) -> Option<Out> {
        let head = self.buf.get(..self.head_len).unwrap_or(&[]);
        if self.head_len == 4 {
            let found: [u8; 4] = head.try_into().unwrap_or([0; 4]);
            if Format::detect(&found).is_err() {
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
    pub(super) fn after_header(&mut self) {
        self.phase = match self.parsed {
            Parsed::Sac(h) => next_sac_part(&h, None),
            Parsed::Vcbn(h) if h.pad_len() == 1 => Phase::Pad,
            Parsed::Vcbn(h) => blob_phase(&h),
            Parsed::None => Phase::Head,
        };
    }

    pub(super) fn end_event(&mut self) -> Out {
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
pub(super) fn move_within(buf: &mut [u8], start: usize, end: usize, dest: usize) {
    for (from, to) in (start..end).zip(dest..) {
        if let Some(&b) = buf.get(from) {
            if let Some(d) = buf.get_mut(to) {
                *d = b;
            }
        }
    }
}

pub(super) fn next_sac_part(h: &sac::Header, after: Option<Part>) -> Phase {
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

pub(super) fn blob_phase(h: &vcbn::Header) -> Phase {
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
