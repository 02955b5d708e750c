//! Hostile inputs: huge or contradictory length fields, 100,000-deep JSON,
//! 5,000-digit numbers, non-UTF-8 headers, overflowing shapes. Each must give
//! its own typed error, quickly, with no panic and no deep recursion.

mod common;

use common::{blob_offset, sac_raw, vcbn_env, vcbn_raw};
use framewire::vcbn::{self, Limits};
use framewire::{json, sac, Error, Field, Shape};
use proptest::prelude::*;

// ---------------------------------------------------------------------------
// helpers

/// Runs `f` on a thread with a 64 KiB stack: a recursive reader would
/// overflow it long before 100,000 levels.
fn small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(64 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

const DEEP: usize = 100_000;

// ---------------------------------------------------------------------------
// SAC length fields

#[test]
fn sac_length_a_u32_max_with_24_byte_file() {
    let s = sac_raw(u32::MAX, 0, 0, 0, &[]);
    assert_eq!(s.len(), 24);
    assert_eq!(
        sac::decode(&s).unwrap_err(),
        Error::Truncated {
            needed: 24 + 2 * u64::from(u32::MAX),
            available: 24
        }
    );
}

#[test]
fn sac_both_lengths_u32_max() {
    let s = sac_raw(u32::MAX, u32::MAX, 0, 0, &[1, 2, 3]);
    assert_eq!(
        sac::decode(&s).unwrap_err(),
        Error::Truncated {
            needed: 24 + 4 * u64::from(u32::MAX),
            available: 27
        }
    );
    let h = sac::Header::parse(&s).unwrap();
    assert_eq!(h.frame_len(), 24 + 4 * u64::from(u32::MAX));
}

#[test]
fn sac_length_b_u32_max_with_some_payload() {
    let s = sac_raw(3, u32::MAX, 0, 0, &[0; 100]);
    assert_eq!(
        sac::decode(&s).unwrap_err(),
        Error::Truncated {
            needed: 24 + 6 + 2 * u64::from(u32::MAX),
            available: 124
        }
    );
}

#[test]
fn sac_width_height_contradict_lengths() {
    // 3x3 = 9, but the lengths say 6.
    let s = sac_raw(6, 6, 3, 3, &[0; 24]);
    assert_eq!(
        sac::decode(&s).unwrap_err(),
        Error::ShapeMismatch {
            width: 3,
            height: 3,
            length_a: 6,
            length_b: 6
        }
    );
}

#[test]
fn sac_area_that_wraps_in_u32_is_still_a_mismatch() {
    // 65536 * 65536 = 2^32 is 0 in u32 arithmetic; a wrapping check would
    // treat the shape as unknown and accept empty arrays.
    let s = sac_raw(0, 0, 65536, 65536, &[]);
    assert_eq!(
        sac::decode(&s).unwrap_err(),
        Error::ShapeMismatch {
            width: 65536,
            height: 65536,
            length_a: 0,
            length_b: 0
        }
    );
    // 65536 * 65537 = 2^32 + 65536 wraps to 65536 in u32.
    let s = sac_raw(65536, 65536, 65536, 65537, &[]);
    assert_eq!(
        sac::decode(&s).unwrap_err(),
        Error::ShapeMismatch {
            width: 65536,
            height: 65537,
            length_a: 65536,
            length_b: 65536
        }
    );
    // u32::MAX * u32::MAX, with lengths u32::MAX: mismatch, not overflow.
    let s = sac_raw(u32::MAX, u32::MAX, u32::MAX, u32::MAX, &[]);
    let e = sac::decode(&s).unwrap_err();
    assert_eq!(
        e,
        Error::ShapeMismatch {
            width: u32::MAX,
            height: u32::MAX,
            length_a: u64::from(u32::MAX),
            length_b: u64::from(u32::MAX)
        }
    );
    assert!(e.to_string().contains("18446744065119617025"));
}

#[test]
fn sac_zero_width_or_height_means_unknown() {
    // Only a non-zero product is checked (docs/FORMATS.md §2): these decode.
    for (w, h) in [(0, 7), (7, 0), (0, 0)] {
        let s = sac_raw(2, 1, w, h, &[1, 0, 2, 0, 3, 0]);
        let f = sac::decode(&s).unwrap();
        assert_eq!((f.width(), f.height()), (w, h));
        assert!(f.a_iter().eq([1, 2]));
        assert!(f.b_iter().eq([3]));
    }
}

#[test]
fn sac_flags_and_reserved_are_kept_not_rejected() {
    let mut s = sac_raw(1, 1, 1, 1, &[0xff, 0x7f, 0x00, 0x80]);
    s[4] = 0xff;
    s[7] = 0xaa;
    let f = sac::decode(&s).unwrap();
    assert_eq!(f.flags(), 0xff);
    assert_eq!(f.header().reserved, 0xaa);
    assert!(f.a_iter().eq([i16::MAX]));
    assert!(f.b_iter().eq([i16::MIN]));
}

// ---------------------------------------------------------------------------
// VCBN length fields

#[test]
fn vcbn_header_len_u32_max_is_too_long() {
    let mut env = b"VCBN\x01".to_vec();
    env.extend_from_slice(&u32::MAX.to_be_bytes());
    env.extend_from_slice(b"{}");
    assert_eq!(
        vcbn::decode(&env).unwrap_err(),
        Error::HeaderTooLong {
            len: u64::from(u32::MAX),
            limit: u64::from(vcbn::DEFAULT_MAX_JSON_LEN),
            offset: 5
        }
    );
}

#[test]
fn vcbn_header_len_u32_max_within_a_raised_limit_is_truncated() {
    let mut env = b"VCBN\x01".to_vec();
    env.extend_from_slice(&u32::MAX.to_be_bytes());
    env.extend_from_slice(b"{}");
    let limits = Limits::DEFAULT.with_max_json_len(u32::MAX);
    // u32::MAX is odd, so 9 + len is even: no pad.
    assert_eq!(
        vcbn::decode_with(&env, &limits).unwrap_err(),
        Error::Truncated {
            needed: 9 + u64::from(u32::MAX),
            available: 11
        }
    );
}

#[test]
fn vcbn_header_len_beyond_input_within_limit() {
    let mut env = b"VCBN\x01".to_vec();
    env.extend_from_slice(&1000u32.to_be_bytes());
    env.extend_from_slice(br#"{"dtype":"uint8","shape":[1,1]}"#);
    assert_eq!(
        vcbn::decode(&env).unwrap_err(),
        Error::Truncated {
            needed: 1010, // 9 + 1000 + 1 pad
            available: env.len() as u64
        }
    );
}

#[test]
fn vcbn_huge_shape_with_tiny_blob() {
    for (json, elem) in [
        (r#"{"dtype":"uint16","shape":[1000000,1000000]}"#, 2u64),
        (r#"{"dtype":"uint16","shape":[1e6,1e6]}"#, 2),
        (r#"{"dtype":"uint8","shape":[1.0e6,1000000.0]}"#, 1),
    ] {
        let env = vcbn_env(json, &[1, 2, 3, 4]);
        assert_eq!(
            vcbn::decode(&env).unwrap_err(),
            Error::Truncated {
                needed: blob_offset(json.len()) + 1_000_000_000_000 * elem,
                available: env.len() as u64
            },
            "{json}"
        );
    }
}

#[test]
fn vcbn_shape_products_that_overflow() {
    let overflow = Error::SizeOverflow {
        field: Field::Shape,
    };
    for json in [
        r#"{"dtype":"uint8","shape":[18446744073709551615,2]}"#,
        r#"{"dtype":"uint8","shape":[4294967296,4294967296]}"#,
        r#"{"dtype":"uint16","shape":[1099511627776,1099511627776]}"#,
        r#"{"dtype":"uint16","shape":[9223372036854775808,1]}"#,
        r#"{"dtype":"uint16","shape":[1e10,1e10]}"#,
        r#"{"dtype":"uint8","shape":[1.8446744073709551615e19,1.8446744073709551615e19]}"#,
    ] {
        assert_eq!(
            vcbn::decode(&vcbn_env(json, &[])).unwrap_err(),
            overflow,
            "{json}"
        );
    }
}

#[test]
fn vcbn_frame_length_beyond_u64_is_a_size_overflow() {
    // H*W*1 = u64::MAX fits in u64, but 9 + HEADER_LEN + PAD + u64::MAX does
    // not: the frame can never exist. Reporting Truncated with a saturated
    // `needed` of u64::MAX would understate what the frame needs.
    let json = r#"{"dtype":"uint8","shape":[18446744073709551615,1]}"#;
    let e = vcbn::decode(&vcbn_env(json, &[])).unwrap_err();
    assert_eq!(
        e,
        Error::SizeOverflow {
            field: Field::Shape
        }
    );
}

#[test]
fn vcbn_zero_area_with_huge_dimension_decodes() {
    let json = r#"{"dtype":"uint16","shape":[18446744073709551615,0]}"#;
    let env = vcbn_env(json, &[]);
    let f = vcbn::decode(&env).unwrap();
    assert_eq!(f.header().shape(), Shape::new(u64::MAX, 0));
    assert_eq!(f.header().elements(), 0);
    assert!(f.blob().is_empty());
}

// ---------------------------------------------------------------------------
// Deep nesting (100,000 levels), on a 64 KiB stack

fn deep_header_inside_key(open: &str, close: &str) -> String {
    format!(
        r#"{{"dtype":"uint8","shape":[1,1],"a":{}{}}}"#,
        open.repeat(DEEP),
        close.repeat(DEEP)
    )
}

#[test]
fn deep_arrays_inside_an_unknown_key() {
    small_stack(|| {
        let json = deep_header_inside_key("[", "]");
        let head = r#"{"dtype":"uint8","shape":[1,1],"a":"#.len() as u64;
        let limits = Limits::DEFAULT.with_max_json_len(u32::MAX);
        let env = vcbn_env(&json, &[0]);
        // Root object = depth 1, so the 32nd '[' (index 31) goes over 32.
        assert_eq!(
            vcbn::decode_with(&env, &limits).unwrap_err(),
            Error::JsonTooDeep {
                offset: 9 + head + 31,
                limit: vcbn::DEFAULT_MAX_DEPTH
            }
        );
        // With the default header limit the length is refused first.
        assert_eq!(
            vcbn::decode(&env).unwrap_err(),
            Error::HeaderTooLong {
                len: json.len() as u64,
                limit: 65536,
                offset: 5
            }
        );
        // parse_json reports the offset relative to the JSON.
        assert_eq!(
            vcbn::Header::parse_json(json.as_bytes(), &Limits::DEFAULT).unwrap_err(),
            Error::JsonTooDeep {
                offset: head + 31,
                limit: vcbn::DEFAULT_MAX_DEPTH
            }
        );
    });
}

#[test]
fn deep_objects_inside_an_unknown_key() {
    small_stack(|| {
        let json = deep_header_inside_key(r#"{"a":"#, "}");
        let head = r#"{"dtype":"uint8","shape":[1,1],"a":"#.len() as u64;
        let limits = Limits::DEFAULT
            .with_max_json_len(u32::MAX)
            .with_max_depth(200);
        // Depth 200 is reached at the 199th '{' (index 198, 5 bytes each);
        // the 200th goes over.
        assert_eq!(
            vcbn::decode_with(&vcbn_env(&json, &[0]), &limits).unwrap_err(),
            Error::JsonTooDeep {
                offset: 9 + head + 199 * 5,
                limit: 200
            }
        );
    });
}

#[test]
fn deep_mixed_nesting_at_max_depth_cap() {
    small_stack(|| {
        let json = deep_header_inside_key(r#"[{"k":"#, "}]");
        let head = r#"{"dtype":"uint8","shape":[1,1],"a":"#.len() as u64;
        let limits = Limits::DEFAULT
            .with_max_json_len(u32::MAX)
            .with_max_depth(u32::MAX); // clamped to 256
                                       // Containers after the root, 0-based c, sit at depth c + 2; the
                                       // unit "[{\"k\":" is 6 bytes with '[' (c = 2u) at +0 and '{'
                                       // (c = 2u + 1) at +1. The first over 256 is c = 255: the '{' of unit 127.
        assert_eq!(
            vcbn::decode_with(&vcbn_env(&json, &[0]), &limits).unwrap_err(),
            Error::JsonTooDeep {
                offset: 9 + head + 127 * 6 + 1,
                limit: json::MAX_DEPTH_CAP
            }
        );
    });
}

#[test]
fn deep_nesting_at_the_root_of_the_header() {
    small_stack(|| {
        // Root '[': the header must be an object, and that is what is said,
        // at once.
        let json = "[".repeat(DEEP);
        let limits = Limits::DEFAULT.with_max_json_len(u32::MAX);
        assert!(matches!(
            vcbn::decode_with(&vcbn_env(&json, &[]), &limits).unwrap_err(),
            Error::JsonSyntax { offset: 9, .. }
        ));
        // Root '{' followed by '{': a key was expected.
        let json = "{".repeat(DEEP);
        assert!(matches!(
            vcbn::decode_with(&vcbn_env(&json, &[]), &limits).unwrap_err(),
            Error::JsonSyntax { offset: 10, .. }
        ));
        // The reader itself, on 100,000 '[': too deep at index `limit`.
        for limit in [0, 1, 32, 256, 100_000] {
            let text = "[".repeat(DEEP);
            let mut r = json::Reader::new(&text, limit);
            let cap = limit.min(json::MAX_DEPTH_CAP);
            let err = loop {
                match r.next() {
                    Some(Ok(_)) => {}
                    None => panic!("accepted"),
                    Some(Err(e)) => break e,
                }
            };
            assert_eq!(
                err,
                Error::JsonTooDeep {
                    offset: u64::from(cap),
                    limit: cap
                }
            );
            assert_eq!(r.depth(), cap);
        }
    });
}

#[test]
fn deep_nesting_under_shape_is_a_bad_shape() {
    small_stack(|| {
        let json = format!(
            r#"{{"dtype":"uint8","shape":{}}}"#,
            "[".repeat(DEEP) + &"]".repeat(DEEP)
        );
        let limits = Limits::DEFAULT.with_max_json_len(u32::MAX);
        let e = vcbn::decode_with(&vcbn_env(&json, &[]), &limits).unwrap_err();
        assert!(
            matches!(e, Error::BadShape { offset, .. } if offset == 9 + 26),
            "{e:?}"
        );
    });
}

#[test]
fn skip_value_on_deep_input_with_raised_limit_is_iterative() {
    small_stack(|| {
        // 256 levels (the cap) closed properly: skip_value walks them without recursion.
        let n = json::MAX_DEPTH_CAP as usize - 1;
        let doc = format!(r#"{{"a":{}{},"b":1}}"#, "[".repeat(n), "]".repeat(n));
        let mut r = json::Reader::new(&doc, json::MAX_DEPTH_CAP);
        r.next().transpose().unwrap(); // {
        r.next().transpose().unwrap(); // "a"
        let (s, e) = r.skip_value().unwrap();
        assert_eq!((s, e), (5, 5 + 2 * n));
        assert!(matches!(
            r.next().unwrap().unwrap().token,
            json::Token::Key(k) if k.raw() == "b"
        ));
    });
}

// ---------------------------------------------------------------------------
// 5,000-digit numbers

const LONG: usize = 5_000;

#[test]
fn long_numbers_in_shape_vmin_and_unknown_keys() {
    let digits = "7".repeat(LONG);
    let cases = [
        (
            format!(r#"{{"dtype":"uint8","shape":[{digits},1]}}"#),
            r#"{"dtype":"uint8","shape":["#.len(),
        ),
        (
            format!(r#"{{"dtype":"uint8","shape":[1,1],"vmin":-{digits}}}"#),
            r#"{"dtype":"uint8","shape":[1,1],"vmin":"#.len(),
        ),
        (
            format!(r#"{{"dtype":"uint8","shape":[1,1],"vmax":0.{digits}}}"#),
            r#"{"dtype":"uint8","shape":[1,1],"vmax":"#.len(),
        ),
        (
            format!(r#"{{"dtype":"uint8","shape":[1,1],"resolution":1e{digits}}}"#),
            r#"{"dtype":"uint8","shape":[1,1],"resolution":"#.len(),
        ),
        (
            format!(r#"{{"x":{digits},"dtype":"uint8","shape":[1,1]}}"#),
            r#"{"x":"#.len(),
        ),
        (
            format!(r#"{{"dtype":"uint8","x":[[{{"y":[{digits}]}}]],"shape":[1,1]}}"#),
            r#"{"dtype":"uint8","x":[[{"y":["#.len(),
        ),
    ];
    for (json, at) in &cases {
        let e = vcbn::decode(&vcbn_env(json, &[0])).unwrap_err();
        assert_eq!(
            e,
            Error::JsonNumberTooLong {
                offset: 9 + *at as u64,
                limit: json::MAX_NUMBER_LEN as u32
            },
            "{}",
            &json[..60.min(json.len())]
        );
    }
}

#[test]
fn a_million_digit_number_is_refused_quickly() {
    // Linear scan, no quadratic behaviour, no big-number arithmetic.
    let digits = "9".repeat(1_000_000);
    let json = format!(r#"{{"dtype":"uint8","shape":[1,1],"x":{digits}}}"#);
    let limits = Limits::DEFAULT.with_max_json_len(u32::MAX);
    let t = std::time::Instant::now();
    assert!(matches!(
        vcbn::decode_with(&vcbn_env(&json, &[0]), &limits).unwrap_err(),
        Error::JsonNumberTooLong { .. }
    ));
    assert!(t.elapsed().as_secs() < 5);
}

#[test]
fn huge_exponents_do_not_hang() {
    // Short texts with astronomically large values: typed errors or plain
    // f64 results, immediately.
    for (shape, reason) in [
        ("[1e99999999999999999999,1]", "larger"),
        ("[1e-99999999999999999999,1]", "not an integer"),
        ("[123456789e999999999,1]", "larger"),
    ] {
        let json = format!(r#"{{"dtype":"uint8","shape":{shape}}}"#);
        match vcbn::decode(&vcbn_env(&json, &[])).unwrap_err() {
            Error::BadShape { offset, reason: r } => {
                assert_eq!(offset, 9 + 26);
                assert!(r.contains(reason), "{shape}: {r}");
            }
            e => panic!("{shape}: {e:?}"),
        }
    }
    // 0 times any power of ten is 0.
    let json = r#"{"dtype":"uint8","shape":[0e99999999999999999999,5]}"#;
    assert_eq!(
        vcbn::decode(&vcbn_env(json, &[])).unwrap().header().shape(),
        Shape::new(0, 5)
    );
    // vmin/vmax beyond f64 read as infinities, like Python's float().
    let json = r#"{"dtype":"uint8","shape":[1,1],"vmin":-1e999,"vmax":1e999}"#;
    let env = vcbn_env(json, &[7]);
    let f = vcbn::decode(&env).unwrap();
    assert_eq!(f.header().vmin(), f64::NEG_INFINITY);
    assert_eq!(f.header().vmax(), f64::INFINITY);
}

// ---------------------------------------------------------------------------
// Header text that is not UTF-8

#[test]
fn header_not_utf8_reports_first_bad_byte() {
    let head = br#"{"dtype":"uint8","shape":[1,1],"x":""#;
    for bad in [
        &b"\xff"[..],
        b"\xc0\x80",         // overlong NUL
        b"\xed\xa0\x80",     // UTF-8-encoded surrogate
        b"\xf4\x90\x80\x80", // above U+10FFFF
        b"\xe2\x82",         // cut short, followed by '"'
        b"\x80",             // lone continuation byte
    ] {
        let mut json = head.to_vec();
        json.extend_from_slice(b"ok \xc3\xa9 ");
        let at = json.len() as u64;
        json.extend_from_slice(bad);
        json.extend_from_slice(b"\"}");
        assert_eq!(
            vcbn::decode(&vcbn_raw(b"VCBN", 1, &json, &[0])).unwrap_err(),
            Error::HeaderNotUtf8 { offset: 9 + at },
            "{bad:x?}"
        );
    }
}

#[test]
fn header_not_utf8_at_the_very_end() {
    // A multi-byte sequence cut by HEADER_LEN.
    let mut json = br#"{"dtype":"uint8","shape":[1,1]}"#.to_vec();
    json.push(0xe2);
    assert_eq!(
        vcbn::decode(&vcbn_raw(b"VCBN", 1, &json, &[0])).unwrap_err(),
        Error::HeaderNotUtf8 { offset: 9 + 31 }
    );
    // And at the very start.
    assert_eq!(
        vcbn::decode(&vcbn_raw(b"VCBN", 1, b"\xfe{}", &[])).unwrap_err(),
        Error::HeaderNotUtf8 { offset: 9 }
    );
}

#[test]
fn valid_non_ascii_and_nul_escapes_are_fine() {
    let json = "{\"dtype\":\"uint8\",\"note\":\"\u{1F600} caf\u{e9} \\u0000\",\"shape\":[1,1]}";
    vcbn::decode(&vcbn_env(json, &[3])).unwrap();
    // A raw NUL inside a string is a JSON error, not a UTF-8 one.
    let json = "{\"dtype\":\"uint8\",\"note\":\"a\0b\",\"shape\":[1,1]}";
    assert_eq!(
        vcbn::decode(&vcbn_env(json, &[3])).unwrap_err(),
        Error::JsonSyntax {
            offset: 9 + json.find('\0').unwrap() as u64,
            expected: "no control characters inside a string"
        }
    );
}

// ---------------------------------------------------------------------------
// Long strings and many keys: linear and fine

#[test]
fn a_long_string_and_many_unknown_keys_decode() {
    let mut json = String::from(r#"{"dtype":"uint8","shape":[1,2],"#);
    for i in 0..2000 {
        json.push_str(&format!(r#""k{i}":[{i},"\u00e9",{{"n":null}}],"#));
    }
    json.push_str(&format!(r#""s":"{}"}}"#, "x\\n".repeat(20_000)));
    let limits = Limits::DEFAULT.with_max_json_len(u32::MAX);
    let env = vcbn_env(&json, &[4, 5]);
    let f = vcbn::decode_with(&env, &limits).unwrap();
    assert_eq!(f.blob().as_bytes(), &[4, 5]);
}

// ---------------------------------------------------------------------------
// Arbitrary and mutated bytes: never a panic

fn valid_vcbn() -> Vec<u8> {
    let mut buf = vec![0u8; 512];
    let p = vcbn::Params::new(vcbn::Dtype::U16, -1.0, 1.0);
    let n = vcbn::encode(
        [0.0f32, 0.5, -0.5, 1.0, f32::NAN, -1.0][..].into(),
        Shape::new(2, 3),
        &p,
        &mut buf,
    )
    .unwrap();
    buf.truncate(n);
    buf
}

fn valid_sac() -> Vec<u8> {
    let mut buf = vec![0u8; 48];
    sac::encode(
        &[1, 2, 3, 4, 5, 6],
        &[-1, -2, -3, -4, -5, -6],
        Shape::new(2, 3),
        &mut buf,
    )
    .unwrap();
    buf
}

fn decode_all(bytes: &[u8]) {
    let _ = sac::decode(bytes);
    let _ = sac::Header::parse(bytes);
    let _ = vcbn::decode(bytes);
    let _ = vcbn::decode_with(bytes, &Limits::DEFAULT.with_max_depth(3));
    let _ = vcbn::Prefix::parse(bytes, &Limits::DEFAULT);
    let _ = vcbn::Header::parse_json(bytes, &Limits::DEFAULT);
    let _ = vcbn::take_from_bytes(bytes, &Limits::DEFAULT);
    let _ = sac::take_from_bytes(bytes);
    let _ = framewire::frame::decode_any(bytes);
    let _ = framewire::frame::take_from_bytes(bytes, &Limits::DEFAULT);
    if let Ok(s) = std::str::from_utf8(bytes) {
        let mut r = json::Reader::new(s, 8);
        while let Some(Ok(_)) = r.next() {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        decode_all(&bytes);
    }

    #[test]
    fn mutated_frames_never_panic(
        vcbn_frame in any::<bool>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..6),
    ) {
        let mut bytes = if vcbn_frame { valid_vcbn() } else { valid_sac() };
        for (i, b, op) in edits {
            if bytes.is_empty() { break; }
            let i = i.index(bytes.len());
            match op {
                0 => bytes[i] = b,
                1 => { bytes.insert(i, b); }
                _ => { bytes.remove(i); }
            }
        }
        decode_all(&bytes);
        // Whatever decodes must be internally consistent.
        if let Ok(f) = vcbn::decode(&bytes) {
            let h = f.header();
            prop_assert_eq!(h.frame_len(), bytes.len() as u64);
            prop_assert_eq!(f.blob().as_bytes().len() as u64, h.blob_len());
            prop_assert_eq!(f.blob().len() as u64, h.elements());
        }
        if let Ok(f) = sac::decode(&bytes) {
            prop_assert_eq!(f.header().frame_len(), bytes.len() as u64);
        }
    }

    #[test]
    fn hostile_json_text_never_panics(s in "[\\[\\]{}\",:0-9eE.+\\-a-z\\\\ ]{0,64}") {
        let json = format!(r#"{{"dtype":"uint8","shape":[1,1],"x":{s}}}"#);
        let _ = vcbn::decode(&vcbn_env(&json, &[0]));
        let mut r = json::Reader::new(&s, 4);
        while let Some(Ok(item)) = r.next() {
            if let json::Token::Number(n) = item.token {
                let _ = n.to_u64();
                let _ = n.to_f64();
            }
            if let json::Token::String(st) | json::Token::Key(st) = item.token {
                let _ = st.chars().count();
            }
        }
    }
}
