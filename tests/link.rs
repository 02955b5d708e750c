//! The link layer (`framewire::link`): the bytes on the wire, the streaming
//! writers, and the decoder under any chunking and any single fault.

use framewire::link::{self, Damage, Decoder, Encoder, Event};
use proptest::prelude::*;

/// A textbook COBS encoder (whole buffer at once), independent of the
/// library's streaming one: a block per zero and per 254 non-zero bytes, and
/// a final block.
fn cobs_reference(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut block = Vec::new();
    for &b in data {
        if b == 0 {
            out.push(block.len() as u8 + 1);
            out.append(&mut block);
        } else {
            block.push(b);
            if block.len() == 254 {
                out.push(0xFF);
                out.append(&mut block);
            }
        }
    }
    out.push(block.len() as u8 + 1);
    out.append(&mut block);
    out
}

/// A textbook bitwise CRC-32/ISO-HDLC (zlib's), independent of the `crc` crate.
fn crc32_reference(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// The frame as docs/FORMATS.md specifies it, from the reference COBS and CRC.
fn frame_reference(seq: u32, payload: &[u8]) -> Vec<u8> {
    let mut raw = seq.to_le_bytes().to_vec();
    raw.extend_from_slice(payload);
    let crc = crc32_reference(&raw);
    raw.extend_from_slice(&crc.to_le_bytes());
    let mut out = vec![0];
    out.extend(cobs_reference(&raw));
    out.push(0);
    out
}

fn encode(seq: u32, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; link::encoded_len(payload.len())];
    let n = link::encode(seq, payload, &mut out).unwrap();
    out.truncate(n);
    out
}

/// Every event of decoding `wire` fed in `chunks`-sized pieces (cycled),
/// then `finish`: intact frames as (seq, payload, gap lost), damage kinds.
#[derive(Debug, Default)]
struct Tally {
    frames: Vec<(u32, Vec<u8>)>,
    gaps: Vec<(u32, u32)>,
    damaged: Vec<Damage>,
}

fn decode(wire: &[u8], chunks: &[usize], cap: usize, expect: Option<u32>) -> Tally {
    let mut buf = vec![0u8; cap];
    let mut dec = Decoder::new(&mut buf);
    if let Some(s) = expect {
        dec = dec.expecting(s);
    }
    let mut t = Tally::default();
    let mut rest = wire;
    let mut i = 0;
    while !rest.is_empty() {
        let size = chunks[i % chunks.len()].clamp(1, rest.len());
        i += 1;
        let mut chunk = &rest[..size];
        rest = &rest[size..];
        while !chunk.is_empty() {
            let (used, ev) = dec.push(chunk);
            assert!(used > 0 && used <= chunk.len());
            chunk = &chunk[used..];
            match ev {
                Some(Event::Frame(f)) => {
                    if let Some(g) = f.gap {
                        t.gaps.push((g.expected, g.got));
                    }
                    t.frames.push((f.seq, f.payload.to_vec()));
                }
                Some(Event::Damaged(d)) => t.damaged.push(d.damage),
                None => {}
            }
        }
    }
    if let Some(d) = dec.finish() {
        t.damaged.push(d.damage);
    }
    t
}

#[test]
fn golden_frame() {
    // seq 1, payload 11 00 22; CRC-32 (zlib.crc32) of 01 00 00 00 11 00 22
    // is 0xf39f5c69.
    let wire = encode(1, &[0x11, 0x00, 0x22]);
    assert_eq!(
        wire,
        [0x00, 0x02, 0x01, 0x01, 0x01, 0x02, 0x11, 0x06, 0x22, 0x69, 0x5c, 0x9f, 0xf3, 0x00]
    );
    assert_eq!(link::encoded_len(3), 14);
    // An empty payload: seq 0 and the CRC of four zero bytes (0x2144df1c).
    assert_eq!(
        encode(0, &[]),
        [0x00, 0x01, 0x01, 0x01, 0x01, 0x05, 0x1c, 0xdf, 0x44, 0x21, 0x00]
    );
}

#[test]
fn overhead_is_exact_for_runs_without_zeros() {
    // seq 0x01010101 and a payload of 0xAB: no zero to stuff, so the length
    // is the bound exactly, unless the CRC has a zero byte.
    for n in [0usize, 1, 245, 246, 247, 499, 500, 501, 6144, 65536] {
        let payload = vec![0xABu8; n];
        let wire = encode(0x0101_0101, &payload);
        assert_eq!(wire, frame_reference(0x0101_0101, &payload), "n={n}");
        let mut raw = 0x0101_0101u32.to_le_bytes().to_vec();
        raw.extend_from_slice(&payload);
        if crc32_reference(&raw).to_le_bytes().iter().all(|&b| b != 0) {
            assert_eq!(wire.len(), link::encoded_len(n), "n={n}");
        }
        assert!(wire.len() <= link::encoded_len(n));
        assert!(wire.len() <= n + n / 250 + 12, "n={n}: at most 0.4% + 11");
    }
}

#[test]
fn buffer_of_exactly_payload_plus_8_fits_one_less_is_overlong() {
    let payload = vec![7u8; 300];
    let mut wire = encode(0, &payload);
    wire.extend(encode(1, b"next"));
    let t = decode(&wire, &[1000], 308, Some(0));
    assert_eq!(t.frames.len(), 2);
    let t = decode(&wire, &[1000], 307, Some(0));
    assert_eq!(t.damaged, [Damage::Overlong]);
    assert_eq!(t.frames, [(1, b"next".to_vec())]);
    assert_eq!(t.gaps, [(0, 1)]);
}

#[test]
fn each_damage_kind() {
    // Too short: a stuffed frame of 3 bytes.
    let t = decode(&[0, 1, 1, 1, 0], &[5], 64, None);
    assert_eq!(t.damaged, [Damage::TooShort]);
    // Bad stuffing: a code byte pointing past the delimiter.
    let mut wire = encode(0, b"abc");
    let last_code = wire.len() - 2 - 7;
    wire[last_code] += 1;
    let t = decode(&wire, &[3], 64, None);
    assert_eq!(t.damaged, [Damage::BadStuffing]);
    // CRC: a flipped payload bit.
    let mut wire = encode(0, b"abcdef");
    wire[7] ^= 4;
    assert_eq!(decode(&wire, &[2], 64, None).damaged, [Damage::Crc]);
    // Truncated: no closing delimiter.
    let wire = encode(0, b"abcdef");
    let t = decode(&wire[..wire.len() - 1], &[4], 64, None);
    assert_eq!(t.damaged, [Damage::Truncated]);
    // Only delimiters: nothing at all.
    let t = decode(&[0, 0, 0], &[1], 64, None);
    assert!(t.frames.is_empty() && t.damaged.is_empty());
}

#[test]
fn gaps_are_reported() {
    let mut wire = Vec::new();
    for seq in [0u32, 1, 3, 4, 9] {
        wire.extend(encode(seq, &seq.to_le_bytes()));
    }
    let t = decode(&wire, &[11], 64, Some(0));
    assert_eq!(t.frames.len(), 5);
    assert_eq!(t.gaps, [(2, 3), (5, 9)]);
    // Without an expectation, the first frame is never a gap.
    let t = decode(&wire[encode(0, &[0; 4]).len()..], &[11], 64, None);
    assert_eq!(t.gaps, [(2, 3), (5, 9)]);
    assert_eq!(
        link::Gap {
            expected: 5,
            got: 9
        }
        .lost(),
        4
    );
}

#[cfg(all(feature = "embedded-io", feature = "embedded-io-async"))]
mod writers {
    use super::*;
    use framewire::io::{asynch, blocking};
    use framewire::quant::Samples;
    use framewire::vcbn::{self, Dtype, Params};
    use framewire::{sac, Shape};

    #[test]
    fn link_writer_composes_with_the_streaming_writers() {
        let (a, b): (Vec<i16>, Vec<i16>) = (0..600).map(|i| (i as i16 - 300, i as i16)).unzip();
        let x: Vec<f32> = (0..600).map(|i| i as f32 / 600.0).collect();
        let shape = Shape::new(20, 30);
        let p = Params::new(Dtype::U16, 0.0, 1.0);
        let mut sac_frame = vec![0u8; sac::encoded_len(600, 600).unwrap()];
        sac::encode(&a, &b, shape, &mut sac_frame).unwrap();
        let mut vcbn_frame = vec![0u8; vcbn::encoded_len(shape, &p).unwrap()];
        vcbn::encode(Samples::F32(&x), shape, &p, &mut vcbn_frame).unwrap();

        let mut want = encode(0, &sac_frame);
        want.extend(encode(1, &vcbn_frame));

        let mut link = link::blocking::LinkWriter::new(Vec::new());
        blocking::write_sac(&mut link, &a, &b, shape).unwrap();
        link.end_frame().unwrap();
        blocking::write_vcbn(&mut link, Samples::F32(&x), shape, p).unwrap();
        link.end_frame().unwrap();
        assert_eq!(link.seq(), 2);
        assert_eq!(link.into_inner(), want);

        let got = embassy_futures::block_on(async {
            let mut link = link::asynch::LinkWriter::new(Vec::new());
            asynch::write_sac(&mut link, &a, &b, shape).await.unwrap();
            link.end_frame().await.unwrap();
            asynch::write_vcbn(&mut link, Samples::F32(&x), shape, p)
                .await
                .unwrap();
            link.end_frame().await.unwrap();
            link.into_inner()
        });
        assert_eq!(got, want);

        let t = decode(&want, &[97], 4096, Some(0));
        assert_eq!(t.frames, [(0, sac_frame), (1, vcbn_frame)]);
        assert!(t.gaps.is_empty() && t.damaged.is_empty());
    }

    proptest! {
        #[test]
        fn link_writer_equals_one_shot_for_any_write_sizes(
            payload in payload(),
            seq in any::<u32>(),
            sizes in prop::collection::vec(1usize..600, 1..8),
        ) {
            use embedded_io::Write as _;
            let mut link = link::blocking::LinkWriter::with_seq(Vec::new(), seq);
            let (mut rest, mut i) = (&payload[..], 0);
            while !rest.is_empty() {
                let n = sizes[i % sizes.len()].min(rest.len());
                i += 1;
                link.write_all(&rest[..n]).unwrap();
                rest = &rest[n..];
            }
            link.end_frame().unwrap();
            let wire = link.into_inner();
            prop_assert_eq!(&wire, &encode(seq, &payload));
            prop_assert_eq!(&wire, &frame_reference(seq, &payload));
        }
    }
}

/// Payloads with many zeros, long runs without any, or both.
fn payload() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..1200),
        prop::collection::vec(1u8..=255, 240..800),
        prop::collection::vec(prop_oneof![Just(0u8), any::<u8>()], 0..600),
    ]
}

#[derive(Debug, Clone)]
enum Fault {
    Flip { at: usize, bit: u8 },
    Drop { at: usize },
    Insert { at: usize, garbage: Vec<u8> },
    Cut { at: usize },
}

fn fault() -> impl Strategy<Value = Fault> {
    let at = any::<prop::sample::Index>();
    prop_oneof![
        (at.clone(), 0u8..8).prop_map(|(i, bit)| Fault::Flip {
            at: i.index(usize::MAX),
            bit
        }),
        at.clone().prop_map(|i| Fault::Drop {
            at: i.index(usize::MAX)
        }),
        (at.clone(), prop::collection::vec(any::<u8>(), 1..12)).prop_map(|(i, garbage)| {
            Fault::Insert {
                at: i.index(usize::MAX),
                garbage,
            }
        }),
        at.prop_map(|i| Fault::Cut {
            at: i.index(usize::MAX)
        }),
    ]
}

/// Applies `fault` to `wire`; returns the damaged wire and the byte range of
/// the original that the fault touched (for a cut: all from the cut on).
fn apply(wire: &[u8], fault: &Fault) -> (Vec<u8>, usize) {
    let mut w = wire.to_vec();
    match fault {
        Fault::Flip { at, bit } => {
            let at = at % w.len();
            w[at] ^= 1 << bit;
            (w, at)
        }
        Fault::Drop { at } => {
            let at = at % w.len();
            w.remove(at);
            (w, at)
        }
        Fault::Insert { at, garbage } => {
            let at = at % (w.len() + 1);
            w.splice(at..at, garbage.iter().copied());
            (w, at)
        }
        Fault::Cut { at } => {
            let at = at % w.len();
            w.truncate(at);
            (w, at)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Any chunking: every frame comes back byte-identical, in order, with
    /// no damage and no gap.
    #[test]
    fn any_chunking_recovers_every_frame(
        payloads in prop::collection::vec(payload(), 1..6),
        first in any::<u32>(),
        chunks in prop::collection::vec(1usize..300, 1..6),
    ) {
        let mut wire = Vec::new();
        for (i, p) in payloads.iter().enumerate() {
            wire.extend(encode(first.wrapping_add(i as u32), p));
        }
        let t = decode(&wire, &chunks, 1300, Some(first));
        let want: Vec<(u32, Vec<u8>)> = payloads
            .iter()
            .enumerate()
            .map(|(i, p)| (first.wrapping_add(i as u32), p.clone()))
            .collect();
        prop_assert_eq!(t.frames, want);
        prop_assert!(t.gaps.is_empty());
        prop_assert!(t.damaged.is_empty());
    }

    /// Any single fault (bit flip, dropped byte, inserted garbage, cut):
    /// every intact frame delivered is byte-identical to the one sent with
    /// that sequence number; at most the one frame the fault fell in is lost
    /// (for a cut, the frames after it are gone); a lost frame is reported
    /// damaged, and a gap reports it if an intact frame follows.
    #[test]
    fn any_single_fault_is_caught(
        payloads in prop::collection::vec(payload(), 2..6),
        chunks in prop::collection::vec(1usize..300, 1..6),
        fault in fault(),
    ) {
        let mut wire = Vec::new();
        let mut spans = Vec::new();
        for (i, p) in payloads.iter().enumerate() {
            let start = wire.len();
            wire.extend(encode(i as u32, p));
            spans.push(start..wire.len());
        }
        let (damaged_wire, at) = apply(&wire, &fault);
        let t = decode(&damaged_wire, &chunks, 1300, Some(0));

        // No damaged frame accepted: each intact one is what was sent.
        for (seq, p) in &t.frames {
            prop_assert_eq!(Some(p), payloads.get(*seq as usize), "seq {}", seq);
        }
        let seqs: Vec<u32> = t.frames.iter().map(|f| f.0).collect();
        prop_assert!(seqs.windows(2).all(|w| w[0] < w[1]), "in order: {:?}", seqs);
        let lost: Vec<usize> =
            (0..payloads.len()).filter(|i| !seqs.contains(&(*i as u32))).collect();
        // Frames wholly before the fault survive; so do those after it
        // (except after a cut).
        for (i, span) in spans.iter().enumerate() {
            let before = span.end <= at;
            let after = span.start > at && !matches!(fault, Fault::Cut { .. });
            if before || after {
                prop_assert!(seqs.contains(&(i as u32)), "frame {} lost: {:?}", i, fault);
            }
        }
        if !matches!(fault, Fault::Cut { .. }) {
            prop_assert!(lost.len() <= 1, "lost {:?} to {:?}", lost, fault);
        }
        if let Fault::Cut { .. } = fault {
            // Frames after the cut never arrived; the one it fell in (if any
            // of its stuffed bytes arrived) is reported cut short.
            let cut_in = spans.iter().any(|s| s.start + 1 < at && at < s.end);
            prop_assert_eq!(cut_in, t.damaged == [Damage::Truncated], "{:?}", t.damaged);
        } else if !lost.is_empty() {
            prop_assert!(!t.damaged.is_empty(), "lost {:?} unreported", lost);
        }
        // Every lost frame followed by an intact one is in a gap.
        let gap_lost: u32 = t.gaps.iter().map(|(e, g)| g - e).sum();
        let last = seqs.last().copied().unwrap_or(0) as usize;
        let lost_before_last = lost.iter().filter(|&&i| i < last).count() as u32;
        prop_assert_eq!(gap_lost, lost_before_last);
    }

    /// Arbitrary bytes: the decoder never accepts a frame whose CRC is not
    /// its own, and consumes everything.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2000),
                                   chunks in prop::collection::vec(1usize..64, 1..4)) {
        let t = decode(&bytes, &chunks, 256, None);
        for (seq, p) in t.frames {
            // Re-encoding an accepted frame gives a frame the input contains.
            let again = encode(seq, &p);
            prop_assert!(bytes.windows(again.len() - 2).any(|w| w == &again[1..again.len() - 1]));
        }
    }
}

#[test]
fn encoder_hands_out_bytes_before_the_frame_ends() {
    // A 10 kB payload through a fixed 384-byte buffer: output arrives along
    // the way, in pieces of at most 384 bytes.
    let payload: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
    let mut enc = Encoder::new(3);
    let (mut rest, mut wire, mut pieces) = (&payload[..], Vec::new(), 0);
    while !rest.is_empty() {
        let (used, out) = enc.write(rest);
        assert!(out.len() <= 384);
        if !out.is_empty() {
            pieces += 1;
        }
        wire.extend_from_slice(out);
        rest = &rest[used..];
        assert!(enc.in_frame());
    }
    assert!(pieces >= 10_000 / 384, "{pieces} pieces");
    wire.extend_from_slice(enc.end_frame());
    assert!(!enc.in_frame());
    assert_eq!(enc.seq(), 4);
    assert_eq!(wire, encode(3, &payload));
}
