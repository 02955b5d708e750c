//! The link layer (`link::Decoder`, `link::encode`, `link::Encoder`), two ways
//! on the same input.
//!
//! Input layout:
//! - byte 0, configuration: bits 0-1 the decoder's buffer (16, 64, 300,
//!   4096 bytes); bits 2-3 the fault (bit flip, dropped byte, inserted
//!   garbage, cut) for part 2;
//! - byte 1: `k`, then `(k % 8) + 1` bytes of chunk sizes, used in turn
//!   (0 counts as 1);
//! - bytes 2-3 after those: where the fault goes (a little-endian `u16`);
//! - the rest is the data.
//!
//! 1. The data as a link stream: fed in those chunks and fed whole, the
//!    decoder reports the same events; it consumes every byte; each intact
//!    frame is the library's encoding of its sequence number and payload (or
//!    that encoding without its final empty block after a 254-byte run, which
//!    the decoder also accepts), found in the input at the frame's offset.
//! 2. The data as payloads (split at each `0xFE`), link-encoded (one-shot and
//!    streaming in chunks must agree), given one fault, decoded in the
//!    chunks: each intact frame is byte-identical to the payload sent with
//!    its sequence number, in order; at most one frame is lost (except after
//!    a cut), a lost frame is reported damaged, and a gap reports it when an
//!    intact frame follows.
#![no_main]

use framewire::link::{self, Damage, Decoder, Encoder, Event};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, PartialEq)]
enum Seen {
    Frame {
        seq: u32,
        payload: Vec<u8>,
        offset: u64,
        gap: Option<(u32, u32)>,
    },
    Damaged(link::Damaged),
}

fn decode(data: &[u8], sizes: &[usize], cap: usize) -> Vec<Seen> {
    let mut buf = vec![0u8; cap];
    let mut dec = Decoder::new(&mut buf).expecting(0);
    let mut out = Vec::new();
    let mut rest = data;
    let mut i = 0;
    while !rest.is_empty() {
        let n = sizes[i % sizes.len()].clamp(1, rest.len());
        i += 1;
        let mut chunk = &rest[..n];
        rest = &rest[n..];
        while !chunk.is_empty() {
            let (used, ev) = dec.push(chunk);
            assert!(
                used >= 1 && used <= chunk.len(),
                "push consumed {used} of {}",
                chunk.len()
            );
            chunk = &chunk[used..];
            match ev {
                Some(Event::Frame(f)) => {
                    assert!(f.payload.len() <= dec_max(cap));
                    out.push(Seen::Frame {
                        seq: f.seq,
                        payload: f.payload.to_vec(),
                        offset: f.offset,
                        gap: f.gap.map(|g| (g.expected, g.got)),
                    })
                }
                Some(Event::Damaged(d)) => out.push(Seen::Damaged(d)),
                None => {}
            }
        }
    }
    assert_eq!(dec.position(), data.len() as u64);
    if let Some(d) = dec.finish() {
        assert_eq!(d.damage, Damage::Truncated);
        out.push(Seen::Damaged(d));
    }
    out
}

fn dec_max(cap: usize) -> usize {
    cap.saturating_sub(link::HEADER_TRAILER)
}

fn encode(seq: u32, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; link::encoded_len(payload.len())];
    let n = link::encode(seq, payload, &mut out).expect("encoded_len is enough");
    out.truncate(n);
    out
}

fn as_stream(data: &[u8], sizes: &[usize], cap: usize) {
    let events = decode(data, sizes, cap);
    assert_eq!(
        events,
        decode(data, &[usize::MAX], cap),
        "chunking changed the events"
    );
    for ev in &events {
        let Seen::Frame {
            seq,
            payload,
            offset,
            ..
        } = ev
        else {
            continue;
        };
        let wire = encode(*seq, payload);
        let stuffed = &wire[1..wire.len() - 1];
        let at = *offset as usize;
        let found = &data[at..];
        let end = found
            .iter()
            .position(|&b| b == 0)
            .expect("a delimiter ended it");
        let found = &found[..end];
        let shorter = stuffed
            .strip_suffix(&[1])
            .filter(|s| s.len() >= 255 && s[s.len() - 255] == 0xFF);
        assert!(
            found == stuffed || Some(found) == shorter,
            "frame {seq} at {at} is not the encoding of its payload"
        );
    }
}

fn with_fault(data: &[u8], sizes: &[usize], cap: usize, fault: u8, at: usize) {
    let payloads: Vec<&[u8]> = data.split(|&b| b == 0xFE).take(16).collect();
    let mut wire = Vec::new();
    let mut spans = Vec::new();
    for (i, p) in payloads.iter().enumerate() {
        let start = wire.len();
        let one_shot = encode(i as u32, p);
        // The streaming encoder, fed in the chunk sizes, agrees.
        let mut enc = Encoder::new(i as u32);
        let mut streamed = Vec::new();
        let (mut rest, mut j) = (*p, 0);
        while !rest.is_empty() {
            let n = sizes[j % sizes.len()].clamp(1, rest.len());
            j += 1;
            let mut piece = &rest[..n];
            rest = &rest[n..];
            while !piece.is_empty() {
                let (used, out) = enc.write(piece);
                assert!(out.len() <= 384);
                streamed.extend_from_slice(out);
                piece = &piece[used..];
            }
        }
        streamed.extend_from_slice(enc.end_frame());
        assert_eq!(streamed, one_shot);
        assert!(one_shot.len() <= link::encoded_len(p.len()));
        wire.extend(one_shot);
        spans.push(start..wire.len());
    }
    let at = at % wire.len();
    let cut = fault == 3;
    match fault {
        0 => wire[at] ^= 1 << (at % 8),
        1 => {
            wire.remove(at);
        }
        2 => wire
            .splice(
                at..at,
                [0x00, 0x42, 0xFF, 0x01].iter().copied().take(1 + at % 4),
            )
            .for_each(drop),
        _ => wire.truncate(at),
    }
    let events = decode(&wire, sizes, cap);
    let mut seqs = Vec::new();
    let (mut damaged, mut gap_lost) = (0usize, 0u32);
    for ev in &events {
        match ev {
            Seen::Frame {
                seq, payload, gap, ..
            } => {
                assert_eq!(
                    Some(&payload[..]),
                    payloads.get(*seq as usize).copied(),
                    "frame {seq} accepted damaged"
                );
                if let Some(&last) = seqs.last() {
                    assert!(*seq > last, "out of order");
                }
                gap_lost += gap.map_or(0, |(e, g)| g - e);
                seqs.push(*seq);
            }
            Seen::Damaged(_) => damaged += 1,
        }
    }
    let fits = |i: usize| payloads[i].len() <= dec_max(cap);
    let lost: Vec<usize> = (0..payloads.len())
        .filter(|&i| fits(i) && !seqs.contains(&(i as u32)))
        .collect();
    for (i, s) in spans.iter().enumerate() {
        if fits(i) && (s.end <= at || (!cut && s.start > at)) {
            assert!(
                seqs.contains(&(i as u32)),
                "frame {i} lost though the fault at {at} missed it"
            );
        }
    }
    if !cut {
        assert!(lost.len() <= 1, "lost {lost:?}");
        if !lost.is_empty() {
            assert!(damaged >= 1, "lost {lost:?} unreported");
        }
    }
    let last = seqs.last().copied().unwrap_or(0) as usize;
    let missing_before_last = (0..last).filter(|i| !seqs.contains(&(*i as u32))).count() as u32;
    assert_eq!(gap_lost, missing_before_last, "gaps");
}

fuzz_target!(|input: &[u8]| {
    let Some((&cfg, rest)) = input.split_first() else {
        return;
    };
    let Some((&k, rest)) = rest.split_first() else {
        return;
    };
    let nsizes = usize::from(k % 8) + 1;
    if rest.len() < nsizes + 2 {
        return;
    }
    let (sizes, rest) = rest.split_at(nsizes);
    let sizes: Vec<usize> = sizes.iter().map(|&s| usize::from(s).max(1)).collect();
    let at = usize::from(u16::from_le_bytes([rest[0], rest[1]]));
    let data = &rest[2..];
    let cap = [16, 64, 300, 4096][usize::from(cfg & 3)];
    as_stream(data, &sizes, cap);
    with_fault(data, &sizes, cap, (cfg >> 2) & 3, at);
});
