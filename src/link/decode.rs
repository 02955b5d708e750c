//! The receiving side: a push decoder over a caller's buffer.

use super::{Damage, Damaged, Event, Frame, Gap, CRC, DELIMITER, HEADER_TRAILER};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
enum State {
    /// No byte since the last delimiter.
    Idle,
    /// Unstuffing a frame into the buffer.
    Fill,
    /// The frame outgrew the buffer: skipping to the next delimiter.
    Skip,
}

/// What a closing delimiter ended.
enum Outcome {
    Intact { seq: u32, end: usize },
    Damaged(Damaged),
}

/// The link decoder: feed it the link's bytes in chunks of any size with
/// [`Decoder::push`]; at each frame's closing delimiter it returns an
/// [`Event`]. See the [module docs](super) for what it guarantees.
///
/// The buffer holds one frame's unstuffed bytes (sequence number, payload,
/// CRC) until its delimiter, so it must be at least the longest payload plus
/// [`HEADER_TRAILER`] (8) bytes. Nothing else is stored; no allocation.
#[derive(Debug)]
pub struct Decoder<'b> {
    buf: &'b mut [u8],
    len: usize,
    /// Bytes left in the current COBS block; 0: a code byte is next.
    left: u8,
    /// The current block's code.
    code: u8,
    /// The block that ended implies a zero, if another block follows.
    zero_pending: bool,
    state: State,
    /// Stream offset of the current frame's first byte.
    start: u64,
    /// Stream offset of the next byte.
    pos: u64,
    expect: Option<u32>,
}

#[cfg(feature = "defmt")]
impl defmt::Format for Decoder<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "link::Decoder {{ buf: {=usize} bytes, len: {=usize}, state: {}, pos: {=u64} }}",
            self.buf.len(),
            self.len,
            self.state,
            self.pos
        )
    }
}

impl<'b> Decoder<'b> {
    /// A decoder that unstuffs frames into `buf`. It reports no gap before
    /// the first intact frame (it may start listening mid-stream); see
    /// [`Decoder::expecting`].
    pub fn new(buf: &'b mut [u8]) -> Self {
        Decoder {
            buf,
            len: 0,
            left: 0,
            code: 0,
            zero_pending: false,
            state: State::Idle,
            start: 0,
            pos: 0,
            expect: None,
        }
    }

    /// Expects the first frame to carry sequence number `seq` (a sender that
    /// starts at 0 and a receiver that hears it from the start): a first
    /// frame lost then shows as a [`Gap`].
    pub fn expecting(mut self, seq: u32) -> Self {
        self.expect = Some(seq);
        self
    }

    /// The longest payload a frame may carry: the buffer's length minus 8.
    pub fn max_payload(&self) -> usize {
        self.buf.len().saturating_sub(HEADER_TRAILER)
    }

    /// Stream offset of the next byte: bytes pushed so far.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// The sequence number due next, if one is known.
    pub fn expected(&self) -> Option<u32> {
        self.expect
    }

    /// Consumes bytes from `input` up to and including the next closing
    /// delimiter. Returns how many it consumed and, if it reached a frame's
    /// end, the event: an intact [`Frame`] (whose payload borrows the
    /// decoder's buffer until the next call) or a [`Damaged`] report. Call
    /// again with the rest of `input`.
    pub fn push(&mut self, input: &[u8]) -> (usize, Option<Event<'_>>) {
        let mut used = 0usize;
        for &b in input {
            used = used.saturating_add(1);
            let at = self.pos;
            self.pos = self.pos.saturating_add(1);
            if b == DELIMITER {
                if let Some(outcome) = self.end(at) {
                    return (used, Some(self.event(outcome)));
                }
            } else {
                self.byte(b, at);
            }
        }
        (used, None)
    }

    /// The end of the stream: a frame begun and not closed is reported as
    /// [`Damage::Truncated`]. The decoder is then ready for a new stream
    /// (its expected sequence number is kept).
    pub fn finish(&mut self) -> Option<Damaged> {
        let state = self.state;
        self.state = State::Idle;
        match state {
            State::Idle => None,
            State::Fill | State::Skip => Some(Damaged {
                damage: Damage::Truncated,
                offset: self.start,
                len: self.pos.saturating_sub(self.start),
            }),
        }
    }

    fn put(&mut self, b: u8) {
        match self.buf.get_mut(self.len) {
            Some(d) => {
                *d = b;
                self.len = self.len.saturating_add(1);
            }
            None => self.state = State::Skip,
        }
    }

    /// One non-delimiter byte at stream offset `at`.
    fn byte(&mut self, b: u8, at: u64) {
        if self.state == State::Idle {
            self.state = State::Fill;
            self.start = at;
            self.len = 0;
            self.left = 0;
            self.zero_pending = false;
        }
        if self.state != State::Fill {
            return;
        }
        if self.left == 0 {
            // A code byte: `code - 1` bytes follow, then a zero unless the
            // code is 0xFF or the frame ends.
            if self.zero_pending {
                self.put(0);
            }
            self.code = b;
            self.left = b.saturating_sub(1);
        } else {
            self.put(b);
            self.left = self.left.saturating_sub(1);
        }
        self.zero_pending = self.left == 0 && self.code != 0xFF;
    }

    /// A delimiter at stream offset `at`: the outcome of the frame it ends.
    fn end(&mut self, at: u64) -> Option<Outcome> {
        let state = self.state;
        self.state = State::Idle;
        let damaged = |damage| {
            Some(Outcome::Damaged(Damaged {
                damage,
                offset: self.start,
                len: at.saturating_sub(self.start),
            }))
        };
        match state {
            State::Idle => None,
            State::Skip => damaged(Damage::Overlong),
            State::Fill if self.left > 0 => damaged(Damage::BadStuffing),
            State::Fill if self.len < HEADER_TRAILER => damaged(Damage::TooShort),
            State::Fill => {
                let bytes = self.buf.get(..self.len).unwrap_or(&[]);
                let Some((body, crc)) = bytes.split_last_chunk::<4>() else {
                    return damaged(Damage::TooShort);
                };
                if CRC.checksum(body) != u32::from_le_bytes(*crc) {
                    return damaged(Damage::Crc);
                }
                let seq = body
                    .first_chunk::<4>()
                    .map_or(0, |s| u32::from_le_bytes(*s));
                Some(Outcome::Intact {
                    seq,
                    end: body.len(),
                })
            }
        }
    }

    fn event(&mut self, outcome: Outcome) -> Event<'_> {
        match outcome {
            Outcome::Damaged(d) => Event::Damaged(d),
            Outcome::Intact { seq, end } => {
                let gap = match self.expect {
                    Some(expected) if expected != seq => Some(Gap { expected, got: seq }),
                    _ => None,
                };
                self.expect = Some(seq.wrapping_add(1));
                Event::Frame(Frame {
                    seq,
                    payload: self.buf.get(4..end).unwrap_or(&[]),
                    offset: self.start,
                    gap,
                })
            }
        }
    }
}
