//! Regression tests from the fuzzing campaign (see `fuzz/README.md`).
//!
//! Each finding's input is committed under `tests/fuzz_regressions/`, in the
//! layout of the fuzz target that found it, and replayed here with its exact
//! expected result. A few inputs the fuzzer found that reach deep states
//! (and decode) are kept too, with their exact results.

use framewire::stream::{Decoder, Event, Format, Part, StreamError};
use framewire::vcbn::{self, Dtype, Endianness, Limits, Magic, Order};
use framewire::{sac, Error, Shape};

fn input(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fuzz_regressions/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// One decoder event, owned, with payload pieces merged per part.
#[derive(Debug, Clone, PartialEq)]
enum Ev {
    Header(u64, Format),
    Payload(Part, Vec<u8>),
    End(u64, u64),
    Err(StreamError),
}

/// Feeds `data` to a decoder in chunks of `sizes` (used in turn), then
/// finishes. Panics if the decoder produces an absurd number of events (a
/// hang would never return; this catches a runaway loop that does).
fn replay<const N: usize>(data: &[u8], sizes: &[usize], resync: bool) -> Vec<Ev> {
    fn push(evs: &mut Vec<Ev>, ev: Result<Event<'_>, StreamError>) {
        assert!(evs.len() < 100_000, "runaway decoder");
        match ev {
            Err(e) => evs.push(Ev::Err(e)),
            Ok(Event::Header { offset, header }) => evs.push(Ev::Header(offset, header.format())),
            Ok(Event::Payload { part, data, .. }) => match evs.last_mut() {
                Some(Ev::Payload(p, d)) if *p == part => d.extend_from_slice(data),
                _ => evs.push(Ev::Payload(part, data.to_vec())),
            },
            Ok(Event::End { offset, len, .. }) => evs.push(Ev::End(offset, len)),
        }
    }
    let mut dec = Decoder::<N>::new().resync(resync);
    let mut evs = Vec::new();
    let mut rest = data;
    let mut i = 0;
    while !rest.is_empty() {
        let n = sizes[i % sizes.len()].max(1).min(rest.len());
        i += 1;
        let (chunk, r) = rest.split_at(n);
        rest = r;
        let mut events = dec.feed(chunk);
        while let Some(ev) = events.next() {
            push(&mut evs, ev);
        }
    }
    let mut events = dec.finish();
    while let Some(ev) = events.next() {
        push(&mut evs, ev);
    }
    assert_eq!(dec.position(), data.len() as u64);
    evs
}

/// Splits a `stream_decoder` fuzz input into (config byte, chunk sizes, stream).
fn stream_layout(raw: &[u8]) -> (u8, Vec<usize>, &[u8]) {
    let (cfg, k) = (raw[0], usize::from(raw[1] % 8) + 1);
    let sizes = raw[2..2 + k]
        .iter()
        .map(|&s| match s {
            0..=127 => usize::from(s),
            _ => usize::from(s - 127) * 16,
        })
        .collect();
    (cfg, sizes, &raw[2 + k..])
}

// ---------------------------------------------------------------------------
// Finding 1: a VCBN prefix with HEADER_LEN = 0 hung the push decoder.
//
// `Decoder::on_head_complete` checked the 9-byte prefix and then waited for
// the header JSON, but with HEADER_LEN = 0 there are no more header bytes to
// wait for: the state machine took 0 bytes, saw the header "complete", checked
// the prefix again, and so on forever, inside one `Events::next` call, for
// every buffer size, chunking and mode. Fixed in src/stream.rs: with
// HEADER_LEN = 0 the whole (empty) header is parsed at once, which fails as
// the one-shot decoder does.

/// The empty header's error, as the one-shot decoder reports it (a
/// `JsonSyntax` error at offset 9, where the JSON should start).
fn empty_json() -> Error {
    let e = vcbn::decode(b"VCBN\x01\x00\x00\x00\x00\x00").unwrap_err();
    assert!(matches!(e, Error::JsonSyntax { offset: 9, .. }), "{e:?}");
    e
}

#[test]
fn header_len_zero_minimal() {
    // Found by `stream_decoder`; minimised by hand: configuration 0x02
    // (N = 1024, strict), one chunk size (1 byte), then a 10-byte stream.
    let raw = input("stream_decoder-header_len_zero-min");
    let (cfg, sizes, stream) = stream_layout(&raw);
    assert_eq!((cfg, &sizes[..]), (0x02, &[1][..]));
    assert_eq!(stream, b"VCBN\x01\x00\x00\x00\x00\x00");

    let want = vec![Ev::Err(StreamError {
        offset: 0,
        error: empty_json(),
    })];
    assert_eq!(replay::<1024>(stream, &sizes, false), want);
    assert_eq!(replay::<1024>(stream, &[stream.len()], false), want);
    assert_eq!(replay::<24>(stream, &[3], false), want);
    // The one-shot decoder agrees.
    assert_eq!(vcbn::decode(stream).unwrap_err(), empty_json());
}

#[test]
fn header_len_zero_then_resync() {
    // In resync mode the decoder goes on to the next frame.
    let mut stream = b"IMPK\x07\x00\x00\x00\x00".to_vec();
    let mut sac_frame = vec![0u8; sac::encoded_len(1, 1).unwrap()];
    sac::encode(&[-2], &[3], Shape::new(1, 1), &mut sac_frame).unwrap();
    stream.extend_from_slice(&sac_frame);
    let want = vec![
        Ev::Err(StreamError {
            offset: 0,
            error: empty_json(),
        }),
        Ev::Header(9, Format::Sac),
        Ev::Payload(Part::A, vec![0xfe, 0xff]),
        Ev::Payload(Part::B, vec![3, 0]),
        Ev::End(9, 28),
    ];
    for size in [1, 2, 5, 9, 10, 64] {
        assert_eq!(
            replay::<64>(&stream, &[size], true),
            want,
            "chunks of {size}"
        );
    }
}

#[test]
fn header_len_zero_fuzzer_input() {
    // The input exactly as the fuzzer saved it (a timeout): configuration
    // 0x04 (N = 24, resync), 1-byte chunks, and a stream of golden frames with
    // a damaged CBIN frame and an IMPK prefix with HEADER_LEN = 0 at offset 92.
    let raw = input("stream_decoder-timeout-ad1925cf");
    let (cfg, sizes, stream) = stream_layout(&raw);
    assert_eq!((cfg, &sizes[..]), (0x04, &[1][..]));
    let evs = replay::<24>(stream, &sizes, true);
    assert_eq!(evs, replay::<24>(stream, &[stream.len()], true));
    // The CBIN frame's 149-byte header cannot fit a 24-byte buffer.
    assert_eq!(
        evs[0],
        Ev::Err(StreamError {
            offset: 0,
            error: Error::HeaderTooLong {
                len: 149,
                limit: 15,
                offset: 5
            }
        })
    );
    assert_eq!(&stream[92..101], b"IMPK\x01\x00\x00\x00\x00");
    assert_eq!(
        evs[1],
        Ev::Err(StreamError {
            offset: 92,
            error: empty_json()
        })
    );
    // The bytes after it (a frame's JSON whose prefix the fuzzer damaged)
    // hold no magic; the golden SAC sample at offset 222 is decoded whole.
    let want = sac::decode(&stream[222..222 + 48]).unwrap();
    assert_eq!(evs[2], Ev::Header(222, Format::Sac));
    assert_eq!(evs[3], Ev::Payload(Part::A, want.a_bytes().to_vec()));
    assert_eq!(evs[4], Ev::Payload(Part::B, want.b_bytes().to_vec()));
    assert_eq!(evs[5], Ev::End(222, 48));
}

// ---------------------------------------------------------------------------
// Finding 2: `json::parse_number` accepted numbers outside JSON grammar.
//
// Its docs promise `None` for text outside `-?(0|[1-9][0-9]*)(\.[0-9]+)?(...)`,
// but the decimal parser took a leading or trailing '.' and leading zeros
// (".5", "5.", "01"). (The header reader was not affected: its lexer checks
// the grammar before any number is parsed.) Fixed in src/decimal.rs.

// `json::parse_number` is public with the `unstable-json` feature only.
#[cfg(feature = "unstable-json")]
#[test]
fn parse_number_refuses_non_json_forms() {
    // Found by `json_reader` (byte 0 is the depth limit, then the text); the
    // fuzzer's input was already minimal.
    let raw = input("json_reader-crash-fe4e4e9a");
    let text = std::str::from_utf8(&raw[1..]).unwrap();
    assert_eq!(text, ".24703282292062327e-324");
    assert_eq!(framewire::json::parse_number(text), None);

    for bad in [
        ".5",
        "5.",
        "-.5",
        "-5.",
        "1.e3",
        ".e1",
        "01",
        "-01",
        "00",
        "00.5",
        "0123e4",
        "+1",
        "1e",
        "1e+",
        "-",
        ".",
        "",
        "-NaN",
        "nan",
        "inf",
        "Infinity ",
        " 1",
    ] {
        assert_eq!(framewire::json::parse_number(bad), None, "{bad:?}");
    }
    for (good, want) in [
        ("1", 1.0f64),
        ("0", 0.0),
        ("-0", -0.0),
        ("0.5", 0.5),
        ("-0.5", -0.5),
        ("10", 10.0),
        ("0e1", 0.0),
        ("0.0e-0", 0.0),
        ("1E3", 1000.0),
        ("2.4703282292062327e-324", 0.0),
        ("2.4703282292062328e-324", 5e-324),
    ] {
        let got = framewire::json::parse_number(good).unwrap();
        assert_eq!(got.to_bits(), want.to_bits(), "{good:?}");
    }
}

// ---------------------------------------------------------------------------
// Finding 3: the float reader misread some 16-17 digit numbers.
//
// `vcbn::encode_levels` wrote vmin = 6.755399441055744e16 (15 * 2^52) as
// "6.755399441055744e+16", and `vcbn::decode` read it back as
// 6.755399441055747e16. The decimal parser's slow path (src/decimal.rs)
// rounded the integer part with digits past the last valid one, left over in
// its buffer from earlier shifts; it hit values like m * 2^e just above 1e16
// (61 of the 3904 numbers in the sweep below). Fixed: `Decimal::digit`
// returns 0 past `nd`.

// `json::parse_number` is public with the `unstable-json` feature only.
#[cfg(feature = "unstable-json")]
#[test]
fn float_reader_round_trips_power_of_two_multiples() {
    // Found by `roundtrip`; the raw input decodes (with `cargo fuzz fmt`) to
    // Levels { levels: U8([67]), rows: 0, vmin: 6.755399441055744e16,
    // vmax: 8.6353e-320 }.
    let raw = input("roundtrip-crash-f841b9b0");
    assert!(!raw.is_empty());
    let (vmin, vmax) = (6.755399441055744e16, 8.6353e-320);
    let mut out = [0u8; 256];
    let n = vcbn::encode_levels(
        vcbn::Levels::U8(&[67]),
        Shape::new(1, 1),
        vmin,
        vmax,
        &mut out,
    )
    .unwrap();
    let f = vcbn::decode(&out[..n]).unwrap();
    assert!(f
        .json()
        .contains(r#""vmin":6.755399441055744e+16,"vmax":8.6353e-320"#));
    assert_eq!(f.header().vmin().to_bits(), vmin.to_bits());
    assert_eq!(f.header().vmax().to_bits(), vmax.to_bits());
    assert!(f.blob().iter().eq([67]));

    // m * 2^e around 1e16..1e19, written shortest, read back exactly.
    for m in 1u64..=64 {
        for e in 30..=90 {
            let x = m as f64 * 2f64.powi(e);
            for text in [format!("{x:e}"), format!("{x}")] {
                let got = framewire::json::parse_number(&text).unwrap();
                assert_eq!(got.to_bits(), x.to_bits(), "{text}");
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Finding 4: numbers with more than 800 significant digits were misplaced.
//
// The float reader keeps 800 digits exactly and drops the rest (remembering
// that nonzero ones were dropped), but it placed the decimal point after the
// digits it kept, not after all of them: an integer part of 819 digits was
// read 10^19 too small. Only `json::parse_number` could see this: the header
// reader refuses numbers longer than `json::MAX_NUMBER_LEN` (512) first.
// Fixed in src/decimal.rs: the point's place counts every significant digit.

// `json::parse_number` is public with the `unstable-json` feature only.
#[cfg(feature = "unstable-json")]
#[test]
fn float_reader_places_the_point_after_dropped_digits() {
    // Found by `json_reader` (byte 0 is the depth limit, then the text).
    let raw = input("json_reader-crash-828788b4");
    let text = std::str::from_utf8(&raw[1..]).unwrap();
    assert!(text.len() > 800 && text.ends_with("e-790"), "{text}");
    let want: f64 = text.parse().unwrap();
    let got = framewire::json::parse_number(text).unwrap();
    assert_eq!(got.to_bits(), want.to_bits(), "{got:e} vs {want:e}");

    // The same around the 800-digit edge, before and after a '.', with and
    // without dropped nonzero digits, and for the halfway case.
    for (int, frac, exp) in [
        (799, 0, -780),
        (800, 0, -780),
        (801, 0, -790),
        (900, 5, -880),
        (1200, 0, -1190),
    ] {
        for lead in ["1", "9", "4503599627370497", "2"] {
            let mut text = String::from(lead);
            text.push_str(&"0".repeat(int - lead.len()));
            text.push('3');
            if frac > 0 {
                text.push('.');
                text.push_str(&"7".repeat(frac));
            }
            text.push_str(&format!("e{exp}"));
            let want: f64 = text.parse().unwrap();
            let got = framewire::json::parse_number(&text).unwrap();
            assert_eq!(
                got.to_bits(),
                want.to_bits(),
                "{lead}.. {int} digits e{exp}"
            );
        }
    }
    // 2^53 + 1 written with 1000 trailing zeros after the point: a tie that
    // the dropped digits (all zero) leave a tie, so it rounds to even.
    let tie = format!("9007199254740993.{}", "0".repeat(1000));
    assert_eq!(
        framewire::json::parse_number(&tie),
        Some(9007199254740992.0)
    );
    let above = format!("9007199254740993.{}1", "0".repeat(1000));
    assert_eq!(
        framewire::json::parse_number(&above),
        Some(9007199254740994.0)
    );
}

// ---------------------------------------------------------------------------
// Finding 5: the encoders wrote headers for frames the decoder refuses.
//
// `vcbn::write_header` (and `header_len_total`, `VcbnEncoder::new`; in 0.2
// all three are `vcbn::Encoder::new` and its methods) checked
// only that H*W*elem_size fits in u64, while the decoder also requires the
// whole frame (prefix, JSON, pad, blob) to be countable in u64. For shape
// [1, u64::MAX] the encoder wrote a header that `vcbn::Header::parse_json`
// refused with `SizeOverflow`. Fixed in src/vcbn.rs: one rule
// (`check_frame_len`) for both sides.

#[test]
fn encoders_refuse_frames_too_long_to_count() {
    // Found by `roundtrip` (a `Header` case; `cargo fuzz fmt` shows h = 1,
    // w = u64::MAX, u16 = false, and two tiny subnormal vmin/vmax).
    let raw = input("roundtrip-crash-6870aec8");
    assert_eq!(&raw[4..12], &1u64.to_le_bytes());
    assert_eq!(&raw[12..20], &u64::MAX.to_le_bytes());
    let overflow = Error::SizeOverflow {
        field: framewire::Field::Shape,
    };
    let params = vcbn::Params::new(Dtype::U8, 0.0, 1.0);
    let mut buf = [0u8; vcbn::MAX_CANONICAL_BLOB_OFFSET];
    for shape in [
        Shape::new(1, u64::MAX),
        Shape::new(u64::MAX, 1),
        Shape::new(1, u64::MAX - 100),
    ] {
        // vcbn::Encoder::new is what gives json_len, blob_offset and
        // write_header (0.1's header_json_len, header_len_total and
        // write_header).
        assert_eq!(vcbn::Encoder::new(shape, params).err(), Some(overflow));
        assert_eq!(vcbn::encoded_len(shape, &params), Err(overflow));
    }
    // At the edge: the largest W for which 9 + JSON + a pad byte + W fits in
    // u64 is accepted by both sides, and W + 1 by neither.
    let json_len = vcbn::Encoder::new(Shape::new(1, u64::MAX - 1000), params)
        .unwrap()
        .json_len() as usize;
    let edge = u64::MAX - 10 - json_len as u64;
    let enc = vcbn::Encoder::new(Shape::new(1, edge), params).unwrap();
    assert_eq!(enc.json_len() as usize, json_len);
    let n = enc.write_header(&mut buf).unwrap();
    assert_eq!(n, enc.blob_offset());
    assert_eq!(
        u32::from_be_bytes(buf[5..9].try_into().unwrap()) as usize,
        json_len
    );
    let h = vcbn::Header::parse_json(&buf[9..9 + json_len], &Limits::DEFAULT).unwrap();
    assert_eq!(h.shape(), Shape::new(1, edge));
    assert!(n as u64 <= u64::MAX - edge);
    assert_eq!(
        vcbn::Encoder::new(Shape::new(1, edge + 1), params).err(),
        Some(overflow)
    );
    // The decoder refuses the same header with W + 1 written into it.
    let json = std::str::from_utf8(&buf[9..9 + json_len])
        .unwrap()
        .replace(&edge.to_string(), &(edge + 1).to_string());
    assert_eq!(
        vcbn::Header::parse_json(json.as_bytes(), &Limits::DEFAULT).err(),
        Some(overflow)
    );
}

// ---------------------------------------------------------------------------
// Inputs the fuzzer found that decode, reaching corners of the liberal VCBN
// reader and of SAC's reserved bytes (copied from the campaign's corpora).

#[test]
fn corpus_vcbn_big_endian_integer_range() {
    // uint16 levels in big-endian order (any value: levels over 4096 are not
    // refused), and a range written as JSON integers.
    let data = input("corpus-vcbn-be-integer-range");
    let f = vcbn::decode(&data).unwrap();
    let h = f.header();
    assert_eq!(
        (h.magic(), h.version(), h.json_len()),
        (Magic::Vcbn, 1, 157)
    );
    assert_eq!(
        (h.dtype(), h.endianness(), h.order()),
        (Dtype::U16, Endianness::Big, Order::C)
    );
    assert_eq!((h.shape(), h.resolution()), (Shape::new(1, 10), 4096));
    assert_eq!((h.vmin(), h.vmax()), (-210.0, 210.0));
    let levels: Vec<u16> = f.blob().iter().collect();
    let want = [43777, 36878, 0, 13831, 0, 16, 5632, 16, 24842, 57865];
    assert_eq!(levels, want);

    // Re-encoded, it is the canonical little-endian frame with the same levels.
    let mut out = [0u8; 256];
    let n = vcbn::encode_levels(
        vcbn::Levels::Blob(f.blob()),
        Shape::new(1, 10),
        -210.0,
        210.0,
        &mut out,
    )
    .unwrap();
    let back = vcbn::decode(&out[..n]).unwrap();
    assert_eq!(
        back.json(),
        r#"{"fmt":"vcbin","version":1,"dtype":"uint16","endianness":"LE","shape":[1,10],"order":"C","size":1.9073486328125e-05,"resolution":4096,"vmin":-210.0,"vmax":210.0}"#
    );
    assert_eq!(back.header().endianness(), Endianness::Little);
    assert!(back.blob().iter().eq(want));
    let swapped: Vec<u8> = f
        .blob()
        .as_bytes()
        .chunks(2)
        .flat_map(|c| [c[1], c[0]])
        .collect();
    assert_eq!(back.blob().as_bytes(), &swapped[..]);
}

#[test]
fn corpus_vcbn_cbin_nan_vmin() {
    // Python's json writes NaN for a NaN vmin, and reads it back; so does
    // the decoder. The levels dequantize to NaN, and the encoder refuses to
    // write the range again.
    let data = input("corpus-vcbn-cbin-nan-vmin");
    let f = vcbn::decode(&data).unwrap();
    let h = f.header();
    assert_eq!(
        (h.magic(), h.dtype(), h.shape(), h.resolution()),
        (Magic::Cbin, Dtype::U8, Shape::new(8, 8), 255)
    );
    assert!(h.vmin().is_nan());
    assert_eq!(h.vmax(), 120.0);
    assert_eq!(f.blob().as_bytes(), &data[158..]);
    assert_eq!(f.blob().get(8), Some(3));
    let mut values = [0f32; 64];
    f.dequantize_into(&mut values).unwrap();
    assert!(values.iter().all(|v| v.is_nan()));
    let mut out = [0u8; 512];
    assert_eq!(
        vcbn::encode_levels(
            vcbn::Levels::Blob(f.blob()),
            Shape::new(8, 8),
            h.vmin(),
            h.vmax(),
            &mut out
        ),
        Err(Error::NonFiniteRange {
            field: framewire::Field::Vmin
        })
    );
}

#[test]
fn corpus_vcbn_escaped_unknown_keys() {
    // "endian\"ss" and "reso\ud800" (a lone surrogate) are unknown keys, so
    // endianness and resolution take their defaults; vmin is -0.0.
    let data = input("corpus-vcbn-escaped-unknown-keys");
    let f = vcbn::decode(&data).unwrap();
    let h = f.header();
    assert!(f.json().contains(r#""endian\"ss":"LE""#) && f.json().contains(r#""reso\ud800":4096"#));
    assert_eq!(
        (h.magic(), h.dtype(), h.shape()),
        (Magic::Impk, Dtype::U16, Shape::new(2, 2))
    );
    assert_eq!((h.endianness(), h.resolution()), (Endianness::Little, 4096));
    assert_eq!(h.vmin().to_bits(), (-0.0f64).to_bits());
    assert_eq!(h.vmax(), 1.0);
    assert_eq!((h.json_len(), h.pad_len()), (154, 1));
    assert!(f.blob().iter().eq([0, 0, 4096, 0]));
}

#[test]
fn corpus_vcbn_exponent_forms() {
    // "shape":[0,1E3] and "resolution":25E000000000002 are integers in
    // exponent form (2500); the empty blob ends the frame at the pad.
    let data = input("corpus-vcbn-exponent-forms");
    let f = vcbn::decode(&data).unwrap();
    let h = f.header();
    assert_eq!(
        (h.dtype(), h.shape(), h.resolution()),
        (Dtype::U16, Shape::new(0, 1000), 2500)
    );
    assert_eq!(
        (h.endianness(), h.order(), h.vmin(), h.vmax()),
        (Endianness::Little, Order::C, 0.0, 1.0)
    );
    assert_eq!((h.blob_len(), h.frame_len()), (0, 150));
    assert!(f.blob().is_empty());
    // One byte less is cut short in the pad.
    assert_eq!(
        vcbn::decode(&data[..149]).unwrap_err(),
        Error::Truncated {
            needed: 150,
            available: 149
        }
    );
}

#[test]
fn corpus_vcbn_version17_nulls() {
    // VERSION 17 is accepted (versions start at 1), "resolution":20.0 is the
    // integer 20, unknown keys hold null, vmin defaults to 0.0.
    let data = input("corpus-vcbn-version17-nulls");
    let f = vcbn::decode(&data).unwrap();
    let h = f.header();
    assert_eq!(
        (h.version(), h.dtype(), h.shape(), h.resolution()),
        (17, Dtype::U8, Shape::new(0, 5), 20)
    );
    assert_eq!((h.vmin(), h.vmax()), (0.0, 2.0));
    assert!(f.blob().is_empty());
    // With a nesting limit of 0 the header object itself is too deep.
    assert_eq!(
        vcbn::decode_with(&data, &Limits::DEFAULT.with_max_depth(0)).unwrap_err(),
        Error::JsonTooDeep {
            offset: 9,
            limit: 0
        }
    );
}

#[test]
fn corpus_sac_reserved_byte_and_height_only() {
    // reserved = 0xff is kept, not refused; width 0 with height 3 means the
    // shape is unknown, so lengths 1 and 32 pass. Re-encoding writes
    // reserved = 0 and changes nothing else.
    let data = input("corpus-sac-reserved-height-only");
    let f = sac::decode(&data).unwrap();
    let h = f.header();
    assert_eq!((h.flags, h.reserved), (0, 0xff));
    assert_eq!(
        (h.length_a(), h.length_b(), f.width(), f.height()),
        (1, 32, 0, 3)
    );
    assert_eq!(f.shape(), Shape::new(3, 0));
    assert_eq!(f.a_iter().collect::<Vec<_>>(), [0x3100]);
    let a: Vec<i16> = f.a_iter().collect();
    let b: Vec<i16> = f.b_iter().collect();
    let mut out = [0u8; 90];
    assert_eq!(sac::encode(&a, &b, Shape::new(3, 0), &mut out), Ok(90));
    let diff: Vec<usize> = (0..90).filter(|&i| out[i] != data[i]).collect();
    assert_eq!(diff, [7]);
}

#[test]
fn corpus_sac_flags_set() {
    // flags = 0x20 is kept; a height of 1852162816 with width 0 is not a shape.
    let data = input("corpus-sac-flags-set");
    let f = sac::decode(&data).unwrap();
    assert_eq!((f.flags(), f.header().reserved), (0x20, 0));
    assert_eq!((f.header().length_a(), f.header().length_b()), (0, 80));
    assert_eq!((f.width(), f.height()), (0, 1_852_162_816));
    assert_eq!(f.b_bytes(), &data[24..]);
    // Cut anywhere, it is truncated; one byte more, trailing.
    assert_eq!(
        sac::decode(&data[..183]).unwrap_err(),
        Error::Truncated {
            needed: 184,
            available: 183
        }
    );
    let mut longer = data.clone();
    longer.push(0);
    assert_eq!(
        sac::decode(&longer).unwrap_err(),
        Error::TrailingBytes {
            expected: 184,
            actual: 185
        }
    );
}
