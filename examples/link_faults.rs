//! The fault test: replays the firmware's captures with faults injected, with
//! and without the link layer, and tallies what a receiver gets.
//!
//! ```text
//! cargo run --features std --example link_faults -- uart.capture firmware.capture [TRIALS] [SEED]
//! ```
//!
//! `uart.capture` is the firmware's UART output (each frame in a link frame,
//! `framewire::link`), `firmware.capture` the same frames back to back with
//! no link layer. Both must first be exactly the host's encoding of the
//! synthetic input (`examples/firmware/src/synth.rs`). Then, for each kind
//! of fault (one bit flipped, one byte dropped, 1 to 16 random bytes
//! inserted, the capture cut short) and each of TRIALS trials (default 250),
//! a seeded generator picks the place; both captures get the same fault at
//! the same relative place, and are decoded:
//!
//! - with the link layer, by `link::Decoder`: every frame delivered must be
//!   byte-identical to the host's encoding for its sequence number (none
//!   damaged accepted), at most one frame may be lost (for a cut: the frames
//!   from the cut on), a lost frame must be reported damaged, and every lost
//!   frame followed by an intact one must be reported by a sequence gap;
//! - without it, by the stream decoder in resync mode (as `framewire frames
//!   --resync`): frames decoded are compared with the host's encodings, and
//!   those that differ are counted as accepted damaged.
//!
//! Prints one table row per fault and decoder; exits 1 if the link layer
//! broke any of its rules.

#[path = "firmware/src/synth.rs"]
mod synth;

use std::collections::HashSet;
use std::process::ExitCode;

use framewire::link::{Decoder, Event};
use framewire::quant::Samples;
use framewire::stream::{self, Event as StreamEvent};
use framewire::vcbn::{self, Dtype, Params};
use framewire::{sac, Shape};
use synth::{H, STEPS, W};

/// The host's encoding of every frame the firmware sends, in order.
fn host_frames() -> Vec<Vec<u8>> {
    let shape = Shape::from([H, W]);
    let params = Params::new(Dtype::U16, synth::DEPTH_VMIN, synth::DEPTH_VMAX);
    let mut out = Vec::new();
    for step in 0..STEPS {
        let mut depth = Vec::with_capacity(synth::PIXELS);
        let (mut u, mut v) = (Vec::new(), Vec::new());
        let mut row = [0f32; W];
        let (mut ru, mut rv) = ([0i16; W], [0i16; W]);
        for y in 0..H {
            synth::depth_row(step, y, &mut row);
            depth.extend_from_slice(&row);
            synth::flow_row(step, y, &mut ru, &mut rv);
            u.extend_from_slice(&ru);
            v.extend_from_slice(&rv);
        }
        out.push(vcbn::encode_to_vec(Samples::F32(&depth), shape, &params).unwrap());
        out.push(sac::encode_to_vec(&u, &v, shape).unwrap());
    }
    out
}

/// xorshift64*: a small seeded generator, so a run is repeatable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Fault {
    Flip,
    Drop,
    Insert,
    Cut,
}

impl Fault {
    fn name(self) -> &'static str {
        match self {
            Fault::Flip => "bit flip",
            Fault::Drop => "dropped byte",
            Fault::Insert => "inserted garbage",
            Fault::Cut => "cut mid-stream",
        }
    }
}

/// One fault's parameters, applied at the same relative place to any capture.
struct Shot {
    place: f64,
    bit: u8,
    garbage: Vec<u8>,
}

fn apply(bytes: &[u8], fault: Fault, shot: &Shot) -> (Vec<u8>, usize) {
    let at = ((bytes.len() as f64 * shot.place) as usize).min(bytes.len() - 1);
    let mut b = bytes.to_vec();
    match fault {
        Fault::Flip => b[at] ^= 1 << shot.bit,
        Fault::Drop => {
            b.remove(at);
        }
        Fault::Insert => {
            b.splice(at..at, shot.garbage.iter().copied());
        }
        Fault::Cut => b.truncate(at),
    }
    (b, at)
}

#[derive(Default)]
struct Tally {
    delivered: usize,
    identical: usize,
    accepted_damaged: usize,
    lost: usize,
    reported: usize,
    gap_lost: u64,
    violations: usize,
}

/// With the link layer. `spans`: each link frame's byte range in `clean`.
fn with_link(
    bytes: &[u8],
    at: usize,
    fault: Fault,
    want: &[Vec<u8>],
    spans: &[(usize, usize)],
    t: &mut Tally,
) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut dec = Decoder::new(&mut buf).expecting(0);
    let mut seqs = Vec::new();
    let mut reported = 0;
    let mut gap_lost = 0u64;
    let mut rest = bytes;
    while !rest.is_empty() {
        let (used, ev) = dec.push(rest);
        rest = &rest[used..];
        match ev {
            Some(Event::Frame(f)) => {
                t.delivered += 1;
                if want.get(f.seq as usize).map(|w| &w[..]) == Some(f.payload) {
                    t.identical += 1;
                } else {
                    t.accepted_damaged += 1;
                    t.violations += 1;
                }
                gap_lost += f.gap.map_or(0, |g| u64::from(g.lost()));
                seqs.push(f.seq as usize);
            }
            Some(Event::Damaged(_)) => reported += 1,
            None => {}
        }
    }
    if dec.finish().is_some() {
        reported += 1;
    }
    let lost: Vec<usize> = (0..want.len()).filter(|i| !seqs.contains(i)).collect();
    t.lost += lost.len();
    t.reported += reported;
    t.gap_lost += gap_lost;
    // The rules: frames the fault did not touch arrive; at most one is lost
    // (a cut loses the rest); a lost frame is reported; gaps count the
    // frames lost before the last one delivered.
    let untouched = spans
        .iter()
        .enumerate()
        .filter(|(_, s)| s.1 <= at || (fault != Fault::Cut && s.0 > at))
        .all(|(i, _)| seqs.contains(&i));
    let last = seqs.last().copied().unwrap_or(0);
    let before_last = lost.iter().filter(|&&i| i < last).count() as u64;
    let reports_ok = if fault == Fault::Cut {
        // Reported cut short if any of a frame's stuffed bytes arrived.
        let cut_inside = spans.iter().any(|s| s.0 + 1 < at && at < s.1);
        reported == usize::from(cut_inside)
    } else {
        lost.len() <= 1 && (lost.is_empty() || reported > 0)
    };
    let ok = untouched && reports_ok && gap_lost == before_last;
    if !ok {
        eprintln!(
            "link_faults: {} at {at}: lost {lost:?}, {reported} reported, gaps {gap_lost}",
            fault.name()
        );
        t.violations += 1;
    }
}

/// Without it: the stream decoder in resync mode.
fn without_link(bytes: &[u8], want: &HashSet<&[u8]>, n: usize, t: &mut Tally) {
    let mut dec: Box<stream::Decoder<1024>> = Box::new(stream::Decoder::new().resync(true));
    let mut good = HashSet::new();
    let mut errors = 0;
    for fed in [true, false] {
        let mut events = if fed { dec.feed(bytes) } else { dec.finish() };
        while let Some(ev) = events.next() {
            match ev {
                Ok(StreamEvent::End { offset, len, .. }) => {
                    t.delivered += 1;
                    let frame = &bytes[offset as usize..(offset + len) as usize];
                    if want.contains(frame) {
                        t.identical += 1;
                        good.insert(frame.to_vec());
                    } else {
                        t.accepted_damaged += 1;
                    }
                }
                Err(_) => errors += 1,
                Ok(_) => {}
            }
        }
    }
    t.lost += n - good.len();
    t.reported += errors;
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: link_faults UART_CAPTURE PLAIN_CAPTURE [TRIALS] [SEED]");
        return ExitCode::from(2);
    }
    let uart = std::fs::read(&args[0]).expect("read the UART capture");
    let plain = std::fs::read(&args[1]).expect("read the plain capture");
    let trials: usize = args.get(2).map_or(250, |s| s.parse().expect("TRIALS"));
    let seed: u64 = args.get(3).map_or(1, |s| s.parse().expect("SEED"));
    let want = host_frames();

    // The clean captures are exactly the host's frames.
    let mut spans = Vec::new();
    let mut expected_wire = Vec::new();
    for (i, f) in want.iter().enumerate() {
        let mut out = vec![0u8; framewire::link::encoded_len(f.len())];
        let n = framewire::link::encode(i as u32, f, &mut out).unwrap();
        spans.push((expected_wire.len(), expected_wire.len() + n));
        expected_wire.extend_from_slice(&out[..n]);
    }
    if uart != expected_wire || plain != want.concat() {
        eprintln!("link_faults: the captures are not the host's encoding of the synthetic input");
        return ExitCode::FAILURE;
    }
    let set: HashSet<&[u8]> = want.iter().map(|f| &f[..]).collect();
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut violations = 0;
    println!(
        "| fault | link layer | trials | frames sent | delivered intact | lost | reported damaged | accepted damaged | lost frames shown by a gap |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|");
    for fault in [Fault::Flip, Fault::Drop, Fault::Insert, Fault::Cut] {
        let (mut link, mut bare) = (Tally::default(), Tally::default());
        for _ in 0..trials {
            let len = 1 + rng.below(16);
            let shot = Shot {
                place: rng.below(1 << 30) as f64 / (1u64 << 30) as f64,
                bit: rng.below(8) as u8,
                garbage: (0..len).map(|_| rng.next() as u8).collect(),
            };
            let (bytes, at) = apply(&uart, fault, &shot);
            with_link(&bytes, at, fault, &want, &spans, &mut link);
            let (bytes, _) = apply(&plain, fault, &shot);
            without_link(&bytes, &set, want.len(), &mut bare);
        }
        violations += link.violations;
        let sent = trials * want.len();
        for (name, t) in [("yes", &link), ("no", &bare)] {
            let gaps = if name == "yes" {
                t.gap_lost.to_string()
            } else {
                "-".into()
            };
            println!(
                "| {} | {name} | {trials} | {sent} | {} | {} | {} | {} | {gaps} |",
                fault.name(),
                t.identical,
                t.lost,
                t.reported,
                t.accepted_damaged
            );
        }
    }
    if violations > 0 {
        eprintln!("link_faults: FAIL: the link layer broke its rules {violations} time(s)");
        return ExitCode::FAILURE;
    }
    println!("link_faults: with the link layer, no damaged frame was accepted and every loss was reported (seed {seed})");
    ExitCode::SUCCESS
}
