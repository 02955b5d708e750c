//! [`Events`]: what one chunk of input gives.

use crate::sac;
use crate::vcbn::PREFIX_LEN;

use super::state::{blob_phase, move_within, next_sac_part, Out, Parsed, Phase};
use super::{Decoder, Error, Event, FrameHeader, Part, StreamError};
use crate::frame::{could_start_magic, is_magic_prefix};

/// The events of one chunk. Call [`Events::next`] until `None`.
#[derive(Debug)]
pub struct Events<'d, 'a, const N: usize> {
    pub(super) dec: &'d mut Decoder<N>,
    pub(super) input: &'a [u8],
    /// The input slice most recently handed out as payload.
    pub(super) last: &'a [u8],
    /// These are the end-of-stream events of [`Decoder::finish`].
    pub(super) at_end: bool,
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
                    let offset = self.dec.pos;
                    self.advance_payload(false, avail, part, done, len);
                    return Some(Ok(Event::Payload {
                        part,
                        offset,
                        part_offset: done,
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
                        let end = PREFIX_LEN.saturating_add(h.json_len() as usize);
                        let json = self.dec.buf.get(PREFIX_LEN..end).unwrap_or(&[]);
                        FrameHeader::Vcbn {
                            header: h,
                            // UTF-8 was checked when the header was parsed.
                            json: core::str::from_utf8(json).unwrap_or(""),
                        }
                    }
                    Parsed::Sac(h) => FrameHeader::Sac(h),
                    // `Out::Header` is only produced with a parsed header.
                    Parsed::None => {
                        FrameHeader::Sac(sac::Header::new(0, 0, crate::Shape::UNKNOWN).ok()?)
                    }
                };
                Ok(Event::Header { offset, header })
            }
            Out::Payload {
                part,
                offset,
                part_offset,
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
                Ok(Event::Payload {
                    part,
                    offset,
                    part_offset,
                    data,
                })
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
                let pending = match self.dec.pending_truncation() {
                    // A header begun inside the frame already reported; a
                    // frame whose header was handed out still gets its error.
                    Some((_, true)) if self.dec.cut_at_end => None,
                    pending => pending,
                };
                return match pending {
                    Some((error, true)) => {
                        self.dec.cut_at_end = true;
                        Some(self.dec.error(error))
                    }
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
                            offset: 5,
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
                    let offset = self.dec.pos;
                    let (start, take) = self.advance_payload(from_replay, avail, part, done, len);
                    return Some(Out::Payload {
                        part,
                        offset,
                        part_offset: done,
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
                            .position(|&b| could_start_magic(b))
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
