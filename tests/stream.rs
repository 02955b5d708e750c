//! The push decoder and the streaming encoders (docs/FORMATS.md §5).

mod common;

use framewire::quant::Samples;
use framewire::stream::{Decoder, Event, Format, FrameHeader, Part, StreamError};
use framewire::vcbn::{self, Dtype, Params};
use framewire::{sac, Error, Shape};
use proptest::prelude::*;

// ---------------------------------------------------------------------------
// Frames

#[derive(Debug, Clone)]
enum Spec {
    Sac {
        a: Vec<i16>,
        b: Vec<i16>,
        w: u32,
        h: u32,
    },
    Vcbn {
        shape: [usize; 2],
        samples: Vec<f32>,
        params: Params,
        magic: [u8; 4],
    },
}

impl Spec {
    fn encode(&self) -> Vec<u8> {
        match self {
            Spec::Sac { a, b, w, h } => {
                let mut out = vec![0u8; sac::encoded_len(a.len(), b.len()).unwrap()];
                sac::encode(a, b, Shape::new(u64::from(*h), u64::from(*w)), &mut out).unwrap();
                out
            }
            Spec::Vcbn {
                shape,
                samples,
                params,
                magic,
            } => {
                let shape = Shape::from(*shape);
                let mut out = vec![0u8; vcbn::encoded_len(shape, params).unwrap()];
                vcbn::encode(Samples::F32(samples), shape, params, &mut out).unwrap();
                out[..4].copy_from_slice(magic);
                out
            }
        }
    }

    fn format(&self) -> Format {
        match self {
            Spec::Sac { .. } => Format::Sac,
            Spec::Vcbn { .. } => Format::Vcbn,
        }
    }
}

/// Payload values whose bytes never spell a magic's first letter, so that a
/// bad frame's payload, scanned during resync, holds no false magic.
fn quiet_i16() -> impl Strategy<Value = i16> {
    prop_oneof![-32i16..32, Just(i16::MIN), Just(i16::MAX)]
}

fn arb_sac() -> impl Strategy<Value = Spec> {
    (0usize..6, 0usize..6, any::<bool>()).prop_flat_map(|(w, h, with_shape)| {
        let n = w * h;
        (
            prop::collection::vec(quiet_i16(), n),
            prop::collection::vec(quiet_i16(), n),
        )
            .prop_map(move |(a, b)| {
                let (w, h) = if with_shape {
                    (w as u32, h as u32)
                } else {
                    (0, 0)
                };
                Spec::Sac { a, b, w, h }
            })
    })
}

fn arb_vcbn() -> impl Strategy<Value = Spec> {
    (0usize..5, 0usize..7, any::<bool>(), 0usize..3).prop_flat_map(|(h, w, u8_, magic)| {
        // Samples in [0, 0.25] of a 0..1 range: uint8 levels stay below 64,
        // so no blob byte is a magic's first letter.
        prop::collection::vec(0.0f32..0.25, h * w).prop_map(move |samples| Spec::Vcbn {
            shape: [h, w],
            samples,
            params: Params::new(if u8_ { Dtype::U8 } else { Dtype::U16 }, 0.0, 1.0),
            magic: [*b"VCBN", *b"IMPK", *b"CBIN"][magic],
        })
    })
}

fn arb_spec() -> impl Strategy<Value = Spec> {
    prop_oneof![arb_sac(), arb_vcbn()]
}

// ---------------------------------------------------------------------------
// Events, normalised: payload pieces of one part merged, so streams fed with
// different chunkings compare equal.

#[derive(Debug, Clone, PartialEq)]
enum Ev {
    Header {
        offset: u64,
        format: Format,
        json: Option<String>,
        sac: Option<[u8; 24]>,
    },
    Payload {
        part: Part,
        data: Vec<u8>,
    },
    End {
        offset: u64,
        len: u64,
        format: Format,
    },
    Err(StreamError),
}

fn push(evs: &mut Vec<Ev>, ev: Result<Event<'_>, StreamError>) {
    match ev {
        Err(e) => evs.push(Ev::Err(e)),
        Ok(Event::Header { offset, header }) => evs.push(match header {
            FrameHeader::Sac(h) => Ev::Header {
                offset,
                format: Format::Sac,
                json: None,
                sac: Some(h.to_bytes()),
            },
            FrameHeader::Vcbn { json, .. } => Ev::Header {
                offset,
                format: Format::Vcbn,
                json: Some(json.to_string()),
                sac: None,
            },
        }),
        Ok(Event::Payload {
            part,
            part_offset,
            data,
            ..
        }) => {
            assert!(!data.is_empty(), "no empty payload pieces");
            if let Some(Ev::Payload { part: p, data: d }) = evs.last_mut() {
                if *p == part {
                    assert_eq!(part_offset, d.len() as u64, "pieces arrive without gaps");
                    d.extend_from_slice(data);
                    return;
                }
            }
            assert_eq!(part_offset, 0, "a part starts at part offset 0");
            evs.push(Ev::Payload {
                part,
                data: data.to_vec(),
            });
        }
        Ok(Event::End {
            offset,
            len,
            format,
        }) => evs.push(Ev::End {
            offset,
            len,
            format,
        }),
    }
}

/// Feeds `stream` cut at `cuts` (positions, any order, may repeat).
fn run<const N: usize>(stream: &[u8], cuts: &[usize], resync: bool) -> Vec<Ev> {
    let mut points: Vec<usize> = cuts.iter().map(|&c| c.min(stream.len())).collect();
    points.push(0);
    points.push(stream.len());
    points.sort_unstable();
    let mut dec = Decoder::<N>::new().resync(resync);
    let mut evs = Vec::new();
    for w in points.windows(2) {
        let mut events = dec.feed(&stream[w[0]..w[1]]);
        while let Some(ev) = events.next() {
            push(&mut evs, ev);
        }
        assert!(events.remaining().is_empty());
    }
    assert_eq!(dec.position(), stream.len() as u64);
    let mut end = dec.finish();
    while let Some(ev) = end.next() {
        push(&mut evs, ev);
    }
    assert!(dec.is_idle());
    evs
}

/// The events a clean stream of `specs` must give.
fn expected(specs: &[Spec]) -> (Vec<u8>, Vec<Ev>) {
    let mut stream = Vec::new();
    let mut evs = Vec::new();
    for spec in specs {
        let bytes = spec.encode();
        let offset = stream.len() as u64;
        match spec {
            Spec::Sac { a, b, .. } => {
                evs.push(Ev::Header {
                    offset,
                    format: Format::Sac,
                    json: None,
                    sac: Some(bytes[..24].try_into().unwrap()),
                });
                for (part, v) in [(Part::A, a), (Part::B, b)] {
                    if !v.is_empty() {
                        let data = v.iter().flat_map(|x| x.to_le_bytes()).collect();
                        evs.push(Ev::Payload { part, data });
                    }
                }
            }
            Spec::Vcbn { .. } => {
                let f = vcbn::decode(&bytes).unwrap();
                evs.push(Ev::Header {
                    offset,
                    format: Format::Vcbn,
                    json: Some(f.json().to_string()),
                    sac: None,
                });
                if !f.blob().is_empty() {
                    evs.push(Ev::Payload {
                        part: Part::Blob,
                        data: f.blob().as_bytes().to_vec(),
                    });
                }
            }
        }
        evs.push(Ev::End {
            offset,
            len: bytes.len() as u64,
            format: spec.format(),
        });
        stream.extend_from_slice(&bytes);
    }
    (stream, evs)
}

/// Feeds `stream` cut at `cuts` and checks every event's offsets against the
/// wire: `Header.offset` and `End.offset` are the frame's start, and each
/// `Payload.offset` is the stream offset of its data (the frame's start, plus
/// the part's offset in the frame, plus `part_offset`), where the wire holds
/// exactly `data`. Returns the number of payload pieces seen.
fn check_offsets<const N: usize>(
    stream: &[u8],
    cuts: &[usize],
    resync: bool,
) -> Result<usize, TestCaseError> {
    let mut points: Vec<usize> = cuts.iter().map(|&c| c.min(stream.len())).collect();
    points.push(0);
    points.push(stream.len());
    points.sort_unstable();
    let mut dec = Decoder::<N>::new().resync(resync);
    // The current frame's start and its parts' offsets in the frame (A, B,
    // blob; u64::MAX for the other format's parts).
    let mut frame: Option<(u64, [u64; 3])> = None;
    let mut pieces = 0;
    let mut on = |ev: Result<Event<'_>, StreamError>| -> Result<(), TestCaseError> {
        let ev = match ev {
            Ok(ev) => ev,
            // An error abandons the frame in progress, if any.
            Err(_) => {
                frame = None;
                return Ok(());
            }
        };
        match ev {
            Event::Header { offset, header } => {
                let bases = match header {
                    FrameHeader::Sac(h) => {
                        let a = sac::HEADER_LEN as u64;
                        [a, a + h.len_a_bytes(), u64::MAX]
                    }
                    FrameHeader::Vcbn { header, .. } => [u64::MAX, u64::MAX, header.blob_offset()],
                };
                frame = Some((offset, bases));
            }
            Event::Payload {
                part,
                offset,
                part_offset,
                data,
            } => {
                let (start, bases) =
                    frame.ok_or_else(|| TestCaseError::fail("payload before a header"))?;
                let base = bases[match part {
                    Part::A => 0,
                    Part::B => 1,
                    Part::Blob => 2,
                }];
                prop_assert!(base != u64::MAX, "{:?} in the wrong format", part);
                prop_assert_eq!(offset, start + base + part_offset, "{:?} piece", part);
                let at = offset as usize;
                prop_assert_eq!(
                    stream.get(at..at + data.len()),
                    Some(data),
                    "{:?} at {}",
                    part,
                    at
                );
                pieces += 1;
            }
            Event::End { offset, len, .. } => {
                let (start, _) = frame
                    .take()
                    .ok_or_else(|| TestCaseError::fail("end before a header"))?;
                prop_assert_eq!(offset, start);
                prop_assert!(offset + len <= stream.len() as u64);
            }
        }
        Ok(())
    };
    for w in points.windows(2) {
        let mut events = dec.feed(&stream[w[0]..w[1]]);
        while let Some(ev) = events.next() {
            on(ev)?;
        }
    }
    let mut end = dec.finish();
    while let Some(ev) = end.next() {
        on(ev)?;
    }
    Ok(pieces)
}

fn good_frames(evs: &[Ev]) -> Vec<Ev> {
    evs.iter()
        .filter(|e| !matches!(e, Ev::Err(_)))
        .cloned()
        .collect()
}

// ---------------------------------------------------------------------------

proptest! {
    /// Any split of a stream of random frames gives the same events as
    /// feeding it whole, and those are the frames that were written.
    #[test]
    fn any_chunking_gives_the_same_events(
        specs in prop::collection::vec(arb_spec(), 0..8),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..40),
    ) {
        let (stream, want) = expected(&specs);
        let cuts: Vec<usize> = cuts.iter().map(|i| i.index(stream.len() + 1)).collect();
        let whole = run::<1024>(&stream, &[], false);
        prop_assert_eq!(&whole, &want);
        prop_assert_eq!(&run::<1024>(&stream, &cuts, false), &want);
        prop_assert_eq!(&run::<1024>(&stream, &cuts, true), &want);
    }

    /// Every event's `offset` is a stream offset: a payload piece's is the
    /// frame's start (the preceding `Header.offset`) plus the part's offset
    /// in the frame (24 for SAC A, 24 + 2 * len_a for B, the blob offset for
    /// VCBN) plus `part_offset`, and the wire holds `data` there. For clean
    /// streams and, in resync mode, streams with one corrupted frame (whose
    /// recovered frames may be replayed from the decoder's buffer).
    #[test]
    fn payload_offsets_are_stream_offsets(
        specs in prop::collection::vec(arb_spec(), 1..7),
        victim in prop::option::of(any::<prop::sample::Index>()),
        kind in 0usize..16,
        junk in prop::collection::vec(0u8..0x40, 1..40),
        cut_at in any::<prop::sample::Index>(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..40),
    ) {
        let victim = victim.map(|v| v.index(specs.len()));
        let mut stream = Vec::new();
        for (i, spec) in specs.iter().enumerate() {
            let mut bytes = spec.encode();
            if Some(i) == victim {
                corrupt(&mut bytes, spec, kind, &junk, cut_at);
            }
            stream.extend_from_slice(&bytes);
        }
        let cuts: Vec<usize> = cuts.iter().map(|i| i.index(stream.len() + 1)).collect();
        let whole = check_offsets::<1024>(&stream, &[], true)?;
        let cut = check_offsets::<1024>(&stream, &cuts, true)?;
        prop_assert!(cut >= whole, "a chunking lost pieces: {} < {}", cut, whole);
        if victim.is_none() {
            // Fed whole, each non-empty part is one piece.
            let (_, want) = expected(&specs);
            let parts = want.iter().filter(|e| matches!(e, Ev::Payload { .. })).count();
            prop_assert_eq!(whole, parts);
            prop_assert_eq!(check_offsets::<1024>(&stream, &[], false)?, parts);
            prop_assert_eq!(check_offsets::<1024>(&stream, &cuts, false)?, cut);
        }
    }

    /// One byte at a time works too.
    #[test]
    fn byte_by_byte(specs in prop::collection::vec(arb_spec(), 1..4)) {
        let (stream, want) = expected(&specs);
        let cuts: Vec<usize> = (0..stream.len()).collect();
        prop_assert_eq!(run::<512>(&stream, &cuts, false), want);
    }

    /// Every strict prefix of a frame is incomplete: no error until the end
    /// of the stream is declared, and then Truncated at offset 0.
    #[test]
    fn every_strict_prefix_is_incomplete(spec in arb_spec()) {
        let bytes = spec.encode();
        for cut in 0..bytes.len() {
            let mut dec = Decoder::<1024>::new();
            let mut events = dec.feed(&bytes[..cut]);
            while let Some(ev) = events.next() {
                let ev = ev.map_err(|e| TestCaseError::fail(format!("prefix {cut}: {e}")))?;
                prop_assert!(!matches!(ev, Event::End { .. }), "prefix {} ended a frame", cut);
            }
            let mut fin = dec.finish();
            let end = fin.next().map(|r| r.map(|_| ()));
            prop_assert!(fin.next().is_none());
            if cut == 0 {
                prop_assert_eq!(end, None);
            } else {
                let err = end.unwrap().unwrap_err();
                prop_assert_eq!(err.offset, 0);
                match err.error {
                    Error::Truncated { needed, available } => {
                        prop_assert_eq!(available, cut as u64);
                        prop_assert!(needed > available && needed <= bytes.len() as u64);
                    }
                    e => prop_assert!(false, "prefix {}: {:?}", cut, e),
                }
            }
        }
    }

    /// After each kind of detectable corruption, resync finds the next good
    /// frame: every other frame decodes exactly as written, and an error is
    /// reported at the corrupted frame's offset. Same result for any chunking.
    #[test]
    fn resync_finds_the_next_good_frame(
        specs in prop::collection::vec(arb_spec(), 2..7),
        victim in any::<prop::sample::Index>(),
        kind in 0usize..16,
        junk in prop::collection::vec(0u8..0x40, 1..40),
        cut_at in any::<prop::sample::Index>(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..20),
    ) {
        let victim = victim.index(specs.len() - 1); // never the last: a good frame follows
        let mut stream = Vec::new();
        let mut survivors = Vec::new();
        let mut bad_offset = None;
        for (i, spec) in specs.iter().enumerate() {
            let mut bytes = spec.encode();
            if i == victim {
                let outcome = corrupt(&mut bytes, spec, kind, &junk, cut_at);
                bad_offset = Some(stream.len() as u64);
                if let Corrupted::FrameIntactAfter(junk_len) = outcome {
                    survivors.push((stream.len() as u64 + junk_len as u64, spec.clone()));
                }
            } else {
                survivors.push((stream.len() as u64, spec.clone()));
            }
            stream.extend_from_slice(&bytes);
        }
        let cuts: Vec<usize> = cuts.iter().map(|i| i.index(stream.len() + 1)).collect();
        let got = run::<1024>(&stream, &cuts, true);
        prop_assert_eq!(&got, &run::<1024>(&stream, &[], true), "chunking changed the result");

        // The first error is at the victim.
        let first_err = got.iter().find_map(|e| match e { Ev::Err(e) => Some(*e), _ => None });
        prop_assert_eq!(first_err.map(|e| e.offset), bad_offset, "{:?}", first_err);
        if let (Spec::Vcbn { .. }, Some(is_kind)) = (&specs[victim], vcbn_error_of_kind(kind)) {
            let e = first_err.unwrap().error;
            prop_assert!(is_kind(&e), "corruption {} gave {:?}", kind, e);
        }
        // The good frames, at their offsets, exactly.
        let (_, mut want) = expected(&survivors.iter().map(|(_, s)| s.clone()).collect::<Vec<_>>());
        let mut offs = survivors.iter().map(|(o, _)| *o);
        let mut cur = 0;
        for ev in &mut want {
            match ev {
                Ev::Header { offset, .. } => { cur = offs.next().unwrap(); *offset = cur; }
                Ev::End { offset, .. } => *offset = cur,
                _ => {}
            }
        }
        prop_assert_eq!(good_frames(&got), want);
    }
}

proptest! {
    // Each case streams hundreds of frames; 64 cases is plenty.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64),
        ..ProptestConfig::default()
    })]

    /// Hundreds of frames through the streaming encoders (random piece
    /// sizes) and the decoder (random chunking) come back byte-identical to
    /// the one-shot encoders, and decode to the same values.
    #[test]
    fn streaming_encoders_round_trip(
        specs in prop::collection::vec(arb_spec(), 150..300),
        piece in 1usize..40,
        chunk in 1usize..3000,
    ) {
        let mut stream = Vec::new();
        for spec in &specs {
            stream.extend_from_slice(&stream_encode(spec, piece));
        }
        let (want_stream, want) = expected(&specs);
        prop_assert_eq!(&stream, &want_stream);
        let cuts: Vec<usize> = (chunk..stream.len()).step_by(chunk).collect();
        prop_assert_eq!(run::<1024>(&stream, &cuts, false), want);
    }
}

#[derive(Debug, PartialEq)]
enum Corrupted {
    /// The frame is lost.
    FrameLost,
    /// Junk was put in front; the frame itself follows it intact.
    FrameIntactAfter(usize),
}

/// Applies corruption `kind` to a frame's bytes.
fn corrupt(
    bytes: &mut Vec<u8>,
    spec: &Spec,
    kind: usize,
    junk: &[u8],
    cut: prop::sample::Index,
) -> Corrupted {
    let is_sac = matches!(spec, Spec::Sac { .. });
    match kind {
        // A magic byte destroyed.
        0 => bytes[0] = b'X',
        // Junk (no magic letters) in front of the frame.
        1 => {
            let mut j = junk.to_vec();
            j.extend_from_slice(bytes);
            *bytes = j;
            return Corrupted::FrameIntactAfter(junk.len());
        }
        // SAC dtype_code / VCBN version 0.
        2 => {
            if is_sac {
                bytes[5] = 7
            } else {
                bytes[4] = 0
            }
        }
        // SAC arrays_count / VCBN header length over the limit.
        3 => {
            if is_sac {
                bytes[6] = 3
            } else {
                bytes[5..9].copy_from_slice(&u32::MAX.to_be_bytes())
            }
        }
        // SAC shape contradicting lengths / VCBN JSON broken.
        4 => {
            if is_sac {
                let h = sac::Header::parse(bytes).unwrap();
                if h.length_a() == 0 {
                    bytes[16..20].copy_from_slice(&1u32.to_le_bytes());
                    bytes[20..24].copy_from_slice(&1u32.to_le_bytes());
                } else {
                    let w = h.length_a() + 1; // w*1 can equal neither length
                    bytes[16..20].copy_from_slice(&w.to_le_bytes());
                    bytes[20..24].copy_from_slice(&1u32.to_le_bytes());
                }
            } else {
                bytes[9] = b'[';
            }
        }
        // VCBN: a required key misspelt.
        5 => {
            if is_sac {
                bytes[3] = b'2'; // "SAC2": a future version
                return Corrupted::FrameLost;
            }
            let pos = bytes.windows(7).position(|w| w == b"\"dtype\"").unwrap();
            bytes[pos + 5] = b'f';
        }
        // VCBN: the frame cut inside its header (before the pad): the next
        // frame's magic and control bytes then break the prefix or the JSON.
        6 => {
            if is_sac {
                bytes[6] = 0; // arrays_count 0
                return Corrupted::FrameLost;
            }
            let json_end = 9 + u32::from_be_bytes(bytes[5..9].try_into().unwrap()) as usize;
            let at = 4 + cut.index(json_end - 4);
            bytes.truncate(at);
        }
        // VCBN headers that fail validation in other ways (SAC: other
        // unsupported dtype codes). The header is rewritten (so the frame's
        // length changes, which is fine: the frame is lost); no rewritten
        // JSON holds a magic, so the next frame is the next one found.
        8..=14 => {
            if is_sac {
                bytes[5] = 100 + kind as u8;
                return Corrupted::FrameLost;
            }
            let json_len = u32::from_be_bytes(bytes[5..9].try_into().unwrap()) as usize;
            let blob_start = 9 + json_len + (9 + json_len) % 2;
            let blob = bytes[blob_start..].to_vec();
            let json: Vec<u8> = match kind {
                // Not UTF-8: a byte of the dtype's value replaced by 0xFF.
                8 => {
                    let mut j = bytes[9..9 + json_len].to_vec();
                    let pos = j.windows(4).position(|w| w == b"uint").unwrap();
                    j[pos] = 0xFF;
                    j
                }
                // Nested one level deeper than the default limit.
                9 => {
                    let d = framewire::vcbn::DEFAULT_MAX_DEPTH as usize;
                    format!(
                        r#"{{"dtype":"uint8","shape":[0,0],"x":{}{}}}"#,
                        "[".repeat(d),
                        "]".repeat(d)
                    )
                    .into_bytes()
                }
                // A wrong type.
                10 => br#"{"dtype":8,"shape":[1,1]}"#.to_vec(),
                // An unknown dtype.
                11 => br#"{"dtype":"float32","shape":[1,1]}"#.to_vec(),
                // A bad shape.
                12 => br#"{"dtype":"uint8","shape":[1,-1]}"#.to_vec(),
                // A number over the length limit.
                13 => format!(
                    r#"{{"dtype":"uint8","shape":[1,1],"vmin":{}}}"#,
                    "1".repeat(framewire::json::MAX_NUMBER_LEN + 1)
                )
                .into_bytes(),
                // A header longer than the decoder's buffer holds (N = 1024).
                _ => {
                    format!(r#"{{"dtype":"uint8","shape":[0,0]{}}}"#, " ".repeat(1100)).into_bytes()
                }
            };
            let mut rebuilt = bytes[..5].to_vec();
            rebuilt.extend_from_slice(&(json.len() as u32).to_be_bytes());
            rebuilt.extend_from_slice(&json);
            if rebuilt.len() % 2 == 1 {
                rebuilt.push(0);
            }
            rebuilt.extend_from_slice(&blob);
            *bytes = rebuilt;
        }
        // Junk then a destroyed magic.
        _ => {
            bytes[1] = b'x';
            let mut j = junk.to_vec();
            j.extend_from_slice(bytes);
            *bytes = j;
        }
    }
    Corrupted::FrameLost
}

/// The error a VCBN frame corrupted with `kind` 8..=14 must give.
fn vcbn_error_of_kind(kind: usize) -> Option<fn(&Error) -> bool> {
    Some(match kind {
        8 => |e| matches!(e, Error::HeaderNotUtf8 { .. }),
        9 => |e| matches!(e, Error::JsonTooDeep { .. }),
        10 => |e| matches!(e, Error::WrongType { .. }),
        11 => |e| matches!(e, Error::UnknownDtype { .. }),
        12 => |e| matches!(e, Error::BadShape { .. }),
        13 => |e| matches!(e, Error::JsonNumberTooLong { .. }),
        14 => |e| matches!(e, Error::HeaderTooLong { .. }),
        _ => return None,
    })
}

/// Encodes through the streaming encoders, `piece` samples at a time into a
/// small buffer.
fn stream_encode(spec: &Spec, piece: usize) -> Vec<u8> {
    let mut out = Vec::new();
    match spec {
        Spec::Sac { a, b, w, h } => {
            let shape = Shape::new(u64::from(*h), u64::from(*w));
            let mut enc = sac::Encoder::new(a.len(), b.len(), shape).unwrap();
            out.extend_from_slice(&enc.header());
            let mut buf = vec![0u8; piece * 2];
            let all: Vec<i16> = a.iter().chain(b).copied().collect();
            for samples in all.chunks(piece) {
                let (used, n) = enc.encode(samples, &mut buf).unwrap();
                assert_eq!(used, samples.len());
                out.extend_from_slice(&buf[..n]);
            }
            enc.finish().unwrap();
            assert_eq!(out.len() as u64, enc.frame_len());
        }
        Spec::Vcbn {
            shape,
            samples,
            params,
            magic,
        } => {
            let mut enc = vcbn::Encoder::new(Shape::from(*shape), *params).unwrap();
            let mut head = [0u8; vcbn::MAX_CANONICAL_BLOB_OFFSET];
            let n = enc.write_header(&mut head).unwrap();
            assert_eq!(n, enc.blob_offset());
            out.extend_from_slice(&head[..n]);
            out[..4].copy_from_slice(magic);
            // A buffer smaller than the piece: encode returns how much it used.
            let mut buf = vec![0u8; piece + 1];
            for s in samples.chunks(piece) {
                let mut s = s;
                while !s.is_empty() {
                    let (used, n) = enc.encode(Samples::F32(s), &mut buf).unwrap();
                    assert!(used > 0);
                    out.extend_from_slice(&buf[..n]);
                    s = &s[used..];
                }
            }
            enc.finish().unwrap();
            assert_eq!(out.len() as u64, enc.frame_len());
        }
    }
    out
}

#[test]
fn strict_mode_stops_at_the_first_error() {
    let (mut stream, _) = expected(&[
        Spec::Sac {
            a: vec![1],
            b: vec![2],
            w: 0,
            h: 0,
        },
        Spec::Sac {
            a: vec![3],
            b: vec![4],
            w: 1,
            h: 1,
        },
    ]);
    stream[28] = b'Q'; // second frame's magic
    let evs = run::<64>(&stream, &[30], false);
    assert_eq!(evs.len(), 5, "{evs:?}"); // header, A, B, end, error
    assert_eq!(
        evs[4],
        Ev::Err(StreamError {
            offset: 28,
            error: Error::BadMagic {
                found: *b"QAC1",
                expected: "\"SAC1\", \"VCBN\", \"IMPK\" or \"CBIN\""
            }
        })
    );
    let mut dec = Decoder::<64>::new();
    let mut events = dec.feed(&stream);
    while events.next().is_some() {}
    assert!(dec.is_stopped());
    assert!(dec.finish().next().is_none());
    assert!(
        !dec.is_stopped(),
        "finish readies the decoder for a new stream"
    );
}

#[test]
fn a_frame_hidden_in_a_bad_header_is_recovered() {
    // A VCBN frame cut after its prefix: the decoder reads the following SAC
    // frame's bytes as header JSON, fails, and must then find that SAC frame
    // inside its own buffer — payload included.
    let sac = Spec::Sac {
        a: vec![5, 6],
        b: vec![7, 8],
        w: 2,
        h: 1,
    };
    let mut stream = b"VCBN\x01\x00\x00\x00\x40".to_vec(); // HEADER_LEN 64
    let sac_bytes = sac.encode();
    stream.extend_from_slice(&sac_bytes);
    stream.extend_from_slice(&sac_bytes);
    stream.extend_from_slice(&[b' '; 40]); // enough bytes to complete the bogus header
    let evs = run::<1024>(&stream, &[], true);
    let ends: Vec<u64> = evs
        .iter()
        .filter_map(|e| match e {
            Ev::End { offset, .. } => Some(*offset),
            _ => None,
        })
        .collect();
    assert_eq!(ends, [9, 9 + 32], "{evs:?}");
    match &evs[0] {
        Ev::Err(e) => {
            assert_eq!(e.offset, 0);
            assert!(
                matches!(e.error, Error::JsonSyntax { offset: 9, .. }),
                "{e:?}"
            );
        }
        e => panic!("{e:?}"),
    }
    // The replayed payload is right.
    assert!(evs.contains(&Ev::Payload {
        part: Part::A,
        data: vec![5, 0, 6, 0]
    }));
}

#[test]
fn header_over_the_buffer_is_refused_with_the_effective_limit() {
    // A VCBN frame whose header JSON is exactly `len` bytes (padded with
    // spaces), with a 2-byte uint8 blob.
    let frame = |len: usize| {
        let base = r#"{"dtype":"uint8","shape":[1,2]"#;
        let json = format!("{base}{}}}", " ".repeat(len - base.len() - 1));
        assert_eq!(json.len(), len);
        common::vcbn_env(&json, &[7, 9])
    };
    // N = 64 holds 9 + 55 header bytes: a 55-byte header fits exactly...
    for chunk in [1, 7, 1000] {
        let evs = run::<64>(&frame(55), &[chunk], false);
        assert!(matches!(evs.last(), Some(Ev::End { .. })), "{evs:?}");
        assert!(evs.contains(&Ev::Payload {
            part: Part::Blob,
            data: vec![7, 9]
        }));
        // ... and a 56-byte one is refused, naming the effective limit.
        assert_eq!(
            run::<64>(&frame(56), &[chunk], false),
            [Ev::Err(StreamError {
                offset: 0,
                error: Error::HeaderTooLong {
                    len: 56,
                    limit: 64 - 9,
                    offset: 5
                }
            })]
        );
    }
    // A configured limit below the buffer's wins: 40 bytes, then 41.
    let limits = vcbn::Limits::DEFAULT.with_max_json_len(40);
    let mut dec = Decoder::<64>::with_limits(limits);
    let f40 = frame(40);
    let mut ok = dec.feed(&f40);
    let mut ends = 0;
    while let Some(ev) = ok.next() {
        ends += usize::from(matches!(ev.unwrap(), Event::End { .. }));
    }
    assert_eq!(ends, 1);
    let mut dec = Decoder::<64>::with_limits(limits);
    let f41 = frame(41);
    let mut bad = dec.feed(&f41);
    assert_eq!(
        bad.next().map(|e| e.map(|_| ())),
        Some(Err(StreamError {
            offset: 0,
            error: Error::HeaderTooLong {
                len: 41,
                limit: 40,
                offset: 5
            }
        }))
    );
}

#[test]
fn worst_case_canonical_header_fits_the_constant() {
    for dtype in [Dtype::U8, Dtype::U16] {
        for v in [
            -2.2250738585072014e-308,
            -1.2345678901234567e-300,
            -1.7976931348623157e308,
        ] {
            let params = Params::new(dtype, v, -v);
            let shape = Shape::new(u32::MAX as u64, (u32::MAX / 2) as u64);
            let enc = vcbn::Encoder::new(shape, params).unwrap();
            let len = enc.blob_offset();
            assert!(len <= vcbn::MAX_CANONICAL_BLOB_OFFSET, "{len}");
            assert_eq!(len as u64, common::blob_offset(enc.json_len() as usize));
            let mut head = [0u8; vcbn::MAX_CANONICAL_BLOB_OFFSET];
            assert_eq!(enc.write_header(&mut head), Ok(len));
        }
    }
}

#[test]
fn encoders_refuse_too_many_or_too_few_samples() {
    let mut enc = sac::Encoder::new(1, 1, Shape::UNKNOWN).unwrap();
    let mut buf = [0u8; 8];
    assert!(matches!(
        enc.encode(&[1, 2, 3], &mut buf),
        Err(Error::LengthMismatch {
            expected: 2,
            actual: 3,
            ..
        })
    ));
    // An output too small for one sample is an error, not (0, 0).
    assert_eq!(
        enc.encode(&[1], &mut buf[..1]),
        Err(Error::BufferTooSmall {
            needed: 2,
            available: 1
        })
    );
    assert_eq!(enc.encode(&[], &mut buf[..0]), Ok((0, 0)));
    enc.encode(&[1], &mut buf).unwrap();
    assert_eq!(
        enc.finish(),
        Err(Error::LengthMismatch {
            field: framewire::Field::LengthB,
            expected: 1,
            actual: 0
        })
    );
    let mut v = vcbn::Encoder::new(Shape::new(1, 2), Params::new(Dtype::U8, 0.0, 1.0)).unwrap();
    assert!(v.encode(Samples::F32(&[0.0; 3]), &mut buf).is_err());
    v.encode(Samples::F32(&[0.0]), &mut buf).unwrap();
    assert!(matches!(
        v.finish(),
        Err(Error::LengthMismatch {
            expected: 2,
            actual: 1,
            ..
        })
    ));
    assert_eq!(
        vcbn::Encoder::new(Shape::new(1, 1), Params::new(Dtype::U8, f64::NAN, 1.0)),
        Err(Error::NonFiniteRange {
            field: framewire::Field::Vmin
        })
    );
}

#[test]
fn empty_vcbn_header_is_an_error_not_a_hang() {
    // HEADER_LEN = 0: the 9-byte prefix is the whole header. The decoder must
    // parse it at once (an empty JSON text) instead of waiting for 0 bytes.
    let mut stream = b"VCBN\x01\x00\x00\x00\x00".to_vec();
    stream.extend_from_slice(
        &Spec::Sac {
            a: vec![1],
            b: vec![2],
            w: 0,
            h: 0,
        }
        .encode(),
    );
    for resync in [false, true] {
        for cuts in [vec![], vec![9], (0..stream.len()).collect()] {
            let evs = run::<64>(&stream, &cuts, resync);
            assert_eq!(
                evs[0],
                Ev::Err(StreamError {
                    offset: 0,
                    error: Error::JsonSyntax {
                        offset: 9,
                        expected: "'{' (the header is empty)"
                    }
                })
            );
            let ends = evs
                .iter()
                .filter(|e| matches!(e, Ev::End { offset: 9, .. }))
                .count();
            assert_eq!(ends, usize::from(resync), "{evs:?}");
        }
    }
}

/// In resync mode, the first bytes of a magic cut off by the end of the
/// stream are a `Truncated` frame, after an error as before one (only bytes
/// that cannot start a magic are skipped silently), in any chunking.
#[test]
fn a_magic_cut_off_after_an_error_is_truncated() {
    let truncated = |offset, available| {
        Ev::Err(StreamError {
            offset,
            error: Error::Truncated {
                needed: 4,
                available,
            },
        })
    };
    let bad = run::<64>(b"XXXX", &[], true).remove(0);
    assert!(
        matches!(
            bad,
            Ev::Err(StreamError {
                offset: 0,
                error: Error::BadMagic {
                    found: [b'X', b'X', b'X', b'X'],
                    ..
                }
            })
        ),
        "{bad:?}"
    );
    for (stream, want) in [
        (&b"SAC"[..], vec![truncated(0, 3)]),
        (b"XXXXS", vec![bad.clone(), truncated(4, 1)]),
        (b"XXXXSA", vec![bad.clone(), truncated(4, 2)]),
        (b"XXXXSAC", vec![bad.clone(), truncated(4, 3)]),
        (b"XXXXVCB", vec![bad.clone(), truncated(4, 3)]),
        (b"XXXXxSSAC", vec![bad.clone(), truncated(6, 3)]),
        (b"XXXXxyz", vec![bad.clone()]),
        // The "SAC1" at 4 lies inside the SAC header cut short at 0.
        (
            b"SAC1SAC1x",
            vec![Ev::Err(StreamError {
                offset: 0,
                error: Error::Truncated {
                    needed: 24,
                    available: 9,
                },
            })],
        ),
    ] {
        for cuts in [vec![], (0..stream.len()).collect()] {
            assert_eq!(
                run::<64>(stream, &cuts, true),
                want,
                "{stream:?} cut at {cuts:?}"
            );
        }
    }
}

/// At the end of a stream in resync mode, a frame found in the header bytes
/// of one cut short, whose header was handed out and whose payload is cut
/// short too, still gets its `Truncated` (found by the stream fuzzer).
#[test]
fn a_frame_begun_inside_a_truncated_header_gets_its_error() {
    let sac =
        sac::encode_to_vec(&[1, 2, 3, 4, 5, 6], &[6, 5, 4, 3, 2, 1], Shape::new(2, 3)).unwrap();
    let mut stream = b"VCBN\x01".to_vec();
    stream.extend_from_slice(&1000u32.to_be_bytes());
    stream.extend_from_slice(&sac[..sac.len() - 2]);
    for cuts in [vec![], (0..stream.len()).collect()] {
        let evs = run::<1024>(&stream, &cuts, true);
        assert!(
            matches!(
                evs.first(),
                Some(Ev::Err(StreamError {
                    offset: 0,
                    error: Error::Truncated { .. }
                }))
            ),
            "{evs:?}"
        );
        assert!(
            matches!(evs.get(1), Some(Ev::Header { offset: 9, .. })),
            "{evs:?}"
        );
        assert_eq!(
            evs.last(),
            Some(&Ev::Err(StreamError {
                offset: 9,
                error: Error::Truncated {
                    needed: sac.len() as u64,
                    available: sac.len() as u64 - 2
                }
            })),
            "{evs:?}"
        );
    }
}
