//! One negative test (or more) per `framewire::Error` variant, through the
//! public API only. Each test asserts the exact variant with all its fields,
//! and that the `Display` message names the problem and where it is.
//!
//! `src/error.rs` defines 23 variants; every one of them has a section here.
//! Offsets are relative to the input passed to the failing function (for
//! `vcbn::decode`, the header JSON starts at offset 9).

mod common;

use common::{blob_offset, sac_fields, vcbn_env, vcbn_raw};
use framewire::quant::{self, ComplexPart, Samples};
use framewire::vcbn::{self, Blob, Dtype, Endianness, Levels, Limits, Params, Prefix};
use framewire::{json, sac, Error, Field, Shape};

// ---------------------------------------------------------------------------
// helpers

const SAC_A: [i16; 6] = [1, -2, 3, -4, 5, -6];
const SAC_B: [i16; 6] = [0, 7, 0, -7, 0, 32767];

/// A valid 3x2 SAC file (48 bytes) made by the encoder.
fn valid_sac() -> Vec<u8> {
    let mut buf = vec![0u8; 48];
    let n = sac::encode(&SAC_A, &SAC_B, Shape::new(2, 3), &mut buf).unwrap();
    assert_eq!(n, 48);
    buf
}

/// The offset in the envelope of the first occurrence of `needle` in `json`.
fn at(json: &str, needle: &str) -> u64 {
    9 + json.find(needle).unwrap() as u64
}

/// The offset in the envelope of the last occurrence of `needle` in `json`.
fn at_last(json: &str, needle: &str) -> u64 {
    9 + json.rfind(needle).unwrap() as u64
}

/// A valid uint8 2x3 envelope: JSON of 31 bytes, so no pad; blob at 40.
const J_OK: &str = r#"{"dtype":"uint8","shape":[2,3]}"#;
const BLOB6: [u8; 6] = [0, 1, 2, 253, 254, 255];

/// Asserts that `e`'s message is one non-empty line containing every needle.
#[track_caller]
fn says(e: &Error, needles: &[&str]) {
    let s = e.to_string();
    assert!(!s.is_empty(), "empty message for {e:?}");
    assert!(!s.contains('\n'), "multi-line message for {e:?}: {s}");
    for n in needles {
        assert!(s.contains(n), "message for {e:?} lacks {n:?}: {s}");
    }
}

#[test]
fn helpers_build_valid_frames() {
    // The fixtures the negative tests mutate are valid to begin with.
    let s = valid_sac();
    let f = sac::decode(&s).unwrap();
    assert!(f.a_iter().eq(SAC_A.iter().copied()));
    assert!(f.b_iter().eq(SAC_B.iter().copied()));
    let env = vcbn_env(J_OK, &BLOB6);
    assert_eq!(env.len(), 9 + 31 + 6);
    let f = vcbn::decode(&env).unwrap();
    assert_eq!(f.header().shape(), Shape::new(2, 3));
    assert_eq!(f.blob().as_bytes(), &BLOB6);
}

// ---------------------------------------------------------------------------
// Truncated

#[test]
fn truncated_sac_decode_short_header() {
    let s = valid_sac();
    let e = sac::decode(&s[..10]).unwrap_err();
    assert_eq!(
        e,
        Error::Truncated {
            needed: 24,
            available: 10
        }
    );
    says(&e, &["truncated", "24", "10"]);
    // Empty input too.
    assert_eq!(
        sac::decode(&[]).unwrap_err(),
        Error::Truncated {
            needed: 24,
            available: 0
        }
    );
}

#[test]
fn truncated_sac_decode_short_payload() {
    let s = valid_sac();
    let e = sac::decode(&s[..47]).unwrap_err();
    assert_eq!(
        e,
        Error::Truncated {
            needed: 48,
            available: 47
        }
    );
    says(&e, &["truncated", "48", "47"]);
    // Header only, no payload at all.
    assert_eq!(
        sac::decode(&s[..24]).unwrap_err(),
        Error::Truncated {
            needed: 48,
            available: 24
        }
    );
}

#[test]
fn truncated_sac_header_parse() {
    let s = valid_sac();
    let e = sac::Header::parse(&s[..23]).unwrap_err();
    assert_eq!(
        e,
        Error::Truncated {
            needed: 24,
            available: 23
        }
    );
    says(&e, &["truncated", "24", "23"]);
    // The header alone parses: the payload is not looked at.
    assert_eq!(sac::Header::parse(&s[..24]).unwrap().length_a(), 6);
}

#[test]
fn truncated_vcbn_decode_short_prefix() {
    let env = vcbn_env(J_OK, &BLOB6);
    let e = vcbn::decode(&env[..5]).unwrap_err();
    assert_eq!(
        e,
        Error::Truncated {
            needed: 9,
            available: 5
        }
    );
    says(&e, &["truncated", "9", "5"]);
}

#[test]
fn truncated_vcbn_decode_short_header() {
    let env = vcbn_env(J_OK, &BLOB6);
    // The blob would start at 9 + 31 = 40 (31 is odd: no pad).
    let e = vcbn::decode(&env[..20]).unwrap_err();
    assert_eq!(
        e,
        Error::Truncated {
            needed: 40,
            available: 20
        }
    );
    says(&e, &["truncated", "40", "20"]);
}

#[test]
fn truncated_vcbn_decode_missing_pad() {
    // 32 bytes of JSON: 9 + 32 is odd, so a pad byte is due at 41.
    let json = r#"{"dtype":"uint8","shape":[2,3] }"#;
    assert_eq!(json.len(), 32);
    let env = vcbn_env(json, &BLOB6);
    assert_eq!(env.len(), 9 + 32 + 1 + 6);
    vcbn::decode(&env).unwrap();
    let e = vcbn::decode(&env[..41]).unwrap_err();
    assert_eq!(
        e,
        Error::Truncated {
            needed: 42,
            available: 41
        }
    );
}

#[test]
fn truncated_vcbn_decode_short_blob() {
    let env = vcbn_env(J_OK, &BLOB6);
    let e = vcbn::decode(&env[..45]).unwrap_err();
    assert_eq!(
        e,
        Error::Truncated {
            needed: 46,
            available: 45
        }
    );
    says(&e, &["truncated", "46", "45"]);
}

#[test]
fn truncated_vcbn_prefix_parse() {
    let e = Prefix::parse(b"VCBN\x01\x00", &Limits::DEFAULT).unwrap_err();
    assert_eq!(
        e,
        Error::Truncated {
            needed: 9,
            available: 6
        }
    );
    says(&e, &["truncated", "9", "6"]);
}

// ---------------------------------------------------------------------------
// TrailingBytes

#[test]
fn trailing_bytes_sac_decode() {
    let mut s = valid_sac();
    s.push(0);
    let e = sac::decode(&s).unwrap_err();
    assert_eq!(
        e,
        Error::TrailingBytes {
            expected: 48,
            actual: 49
        }
    );
    says(&e, &["trailing", "offset 48", "49"]);
}

#[test]
fn trailing_bytes_vcbn_decode() {
    let mut env = vcbn_env(J_OK, &BLOB6);
    env.extend_from_slice(b"VCBN");
    let e = vcbn::decode(&env).unwrap_err();
    assert_eq!(
        e,
        Error::TrailingBytes {
            expected: 46,
            actual: 50
        }
    );
    says(&e, &["trailing", "offset 46", "50"]);
}

// ---------------------------------------------------------------------------
// BadMagic

#[test]
fn bad_magic_sac_decode() {
    let mut s = valid_sac();
    s[3] = b'2';
    let e = sac::decode(&s).unwrap_err();
    assert_eq!(
        e,
        Error::BadMagic {
            found: *b"SAC2",
            expected: "\"SAC1\""
        }
    );
    says(&e, &["bad magic", "\"SAC2\"", "offset 0", "SAC1"]);
    // Also through Header::parse.
    assert_eq!(sac::Header::parse(&s).unwrap_err(), e);
}

#[test]
fn bad_magic_non_printable_is_escaped() {
    let mut s = valid_sac();
    s[..4].copy_from_slice(&[0x00, b'A', 0xff, b'\n']);
    let e = sac::decode(&s).unwrap_err();
    assert_eq!(
        e,
        Error::BadMagic {
            found: [0x00, b'A', 0xff, b'\n'],
            expected: "\"SAC1\""
        }
    );
    says(&e, &["\\x00A\\xff\\x0a"]);
}

#[test]
fn bad_magic_vcbn_decode() {
    let mut env = vcbn_env(J_OK, &BLOB6);
    env[..4].copy_from_slice(b"VCBX");
    let e = vcbn::decode(&env).unwrap_err();
    assert_eq!(
        e,
        Error::BadMagic {
            found: *b"VCBX",
            expected: "\"VCBN\", \"IMPK\" or \"CBIN\""
        }
    );
    says(&e, &["\"VCBX\"", "offset 0", "VCBN", "IMPK", "CBIN"]);
}

#[test]
fn bad_magic_formats_do_not_cross() {
    // A SAC file given to the VCBN decoder and vice versa.
    let s = valid_sac();
    assert!(matches!(
        vcbn::decode(&s).unwrap_err(),
        Error::BadMagic { found, .. } if found == *b"SAC1"
    ));
    let env = vcbn_env(J_OK, &BLOB6);
    assert!(matches!(
        sac::decode(&env[..]).unwrap_err(),
        Error::BadMagic { found, expected: "\"SAC1\"" } if found == *b"VCBN"
    ));
}

#[test]
fn bad_magic_vcbn_prefix_parse() {
    let e = Prefix::parse(b"vcbn\x01\x00\x00\x00\x02", &Limits::DEFAULT).unwrap_err();
    assert!(matches!(e, Error::BadMagic { found, .. } if found == *b"vcbn"));
}

// ---------------------------------------------------------------------------
// UnsupportedDtypeCode / UnsupportedArrayCount

#[test]
fn unsupported_dtype_code_sac() {
    let mut s = valid_sac();
    s[5] = 2;
    let e = sac::decode(&s).unwrap_err();
    assert_eq!(e, Error::UnsupportedDtypeCode { code: 2 });
    says(&e, &["dtype_code 2", "offset 5"]);
    assert_eq!(sac::Header::parse(&s).unwrap_err(), e);
    assert_eq!(e.offset(), Some(5));
}

#[test]
fn unsupported_array_count_sac() {
    let mut s = valid_sac();
    s[6] = 3;
    let e = sac::decode(&s).unwrap_err();
    assert_eq!(e, Error::UnsupportedArrayCount { count: 3 });
    says(&e, &["arrays_count 3", "offset 6"]);
    assert_eq!(sac::Header::parse(&s).unwrap_err(), e);
    assert_eq!(e.offset(), Some(6));
}

#[test]
fn sac_checks_run_in_the_documented_order() {
    // Short beats everything; then magic, dtype_code, arrays_count, shape, length.
    let bad_all = sac_fields(b"XXXX", 0, 9, 9, 0, 6, 6, 4, 4, &[]);
    assert_eq!(
        sac::decode(&bad_all[..23]).unwrap_err(),
        Error::Truncated {
            needed: 24,
            available: 23
        }
    );
    assert!(matches!(
        sac::decode(&bad_all).unwrap_err(),
        Error::BadMagic { .. }
    ));
    let s = sac_fields(b"SAC1", 0, 9, 9, 0, 6, 6, 4, 4, &[]);
    assert_eq!(
        sac::decode(&s).unwrap_err(),
        Error::UnsupportedDtypeCode { code: 9 }
    );
    let s = sac_fields(b"SAC1", 0, 1, 9, 0, 6, 6, 4, 4, &[]);
    assert_eq!(
        sac::decode(&s).unwrap_err(),
        Error::UnsupportedArrayCount { count: 9 }
    );
    let s = sac_fields(b"SAC1", 0, 1, 2, 0, 6, 6, 4, 4, &[]);
    assert!(matches!(
        sac::decode(&s).unwrap_err(),
        Error::ShapeMismatch { .. }
    ));
}

// ---------------------------------------------------------------------------
// ShapeMismatch

#[test]
fn shape_mismatch_sac_decode() {
    let mut s = valid_sac();
    s[16..20].copy_from_slice(&4u32.to_le_bytes()); // width 4, height 2
    let e = sac::decode(&s).unwrap_err();
    assert_eq!(
        e,
        Error::ShapeMismatch {
            width: 4,
            height: 2,
            length_a: 6,
            length_b: 6
        }
    );
    says(
        &e,
        &["shape mismatch", "4*2 = 8", "length_a = 6", "length_b = 6"],
    );
}

#[test]
fn shape_mismatch_sac_decode_one_length() {
    // Only length_b disagrees with width*height.
    let s = sac_fields(b"SAC1", 0, 1, 2, 0, 6, 5, 3, 2, &[0; 22]);
    assert_eq!(
        sac::decode(&s).unwrap_err(),
        Error::ShapeMismatch {
            width: 3,
            height: 2,
            length_a: 6,
            length_b: 5
        }
    );
}

#[test]
fn shape_mismatch_sac_encode_and_header_new() {
    let mut out = [0xAAu8; 64];
    let e = sac::encode(&SAC_A, &SAC_B[..5], Shape::new(2, 3), &mut out).unwrap_err();
    assert_eq!(
        e,
        Error::ShapeMismatch {
            width: 3,
            height: 2,
            length_a: 6,
            length_b: 5
        }
    );
    // "On error nothing is written."
    assert!(out.iter().all(|&b| b == 0xAA));
    assert_eq!(
        sac::Header::new(6, 6, Shape::new(2, 2)).unwrap_err(),
        Error::ShapeMismatch {
            width: 2,
            height: 2,
            length_a: 6,
            length_b: 6
        }
    );
}

// ---------------------------------------------------------------------------
// TooManyElements (needs lengths over u32::MAX: only via Header::new, which
// takes usize lengths and so needs no allocation)

#[cfg(target_pointer_width = "64")]
#[test]
fn too_many_elements_length_a() {
    let e = sac::Header::new(u32::MAX as usize + 1, 0, Shape::UNKNOWN).unwrap_err();
    assert_eq!(
        e,
        Error::TooManyElements {
            field: Field::LengthA,
            len: 1 << 32
        }
    );
    says(&e, &["length_a", "4294967296 elements", "4294967295"]);
    // Exactly u32::MAX is fine.
    let h = sac::Header::new(u32::MAX as usize, 0, Shape::UNKNOWN).unwrap();
    assert_eq!(h.length_a(), u32::MAX);
    assert_eq!(h.frame_len(), 24 + 2 * u64::from(u32::MAX));
}

#[cfg(target_pointer_width = "64")]
#[test]
fn too_many_elements_length_b() {
    let e = sac::Header::new(0, usize::MAX, Shape::UNKNOWN).unwrap_err();
    assert_eq!(
        e,
        Error::TooManyElements {
            field: Field::LengthB,
            len: u64::MAX
        }
    );
    says(&e, &["length_b", "18446744073709551615 elements"]);
}

// ---------------------------------------------------------------------------
// SizeOverflow

#[test]
fn size_overflow_vcbn_decode_shape_product() {
    // 2^40 * 2^40 overflows u64.
    let json = r#"{"dtype":"uint16","shape":[1099511627776,1099511627776]}"#;
    let e = vcbn::decode(&vcbn_env(json, &[])).unwrap_err();
    assert_eq!(
        e,
        Error::SizeOverflow {
            field: Field::Shape
        }
    );
    says(&e, &["size overflow", "shape"]);
    assert_eq!(
        vcbn::Header::parse_json(json.as_bytes(), &Limits::DEFAULT).unwrap_err(),
        e
    );
}

#[test]
fn size_overflow_vcbn_decode_elem_size() {
    // H*W = 2^63 fits in u64, but H*W*2 = 2^64 does not.
    let json = r#"{"dtype":"uint16","shape":[4294967296,2147483648]}"#;
    assert_eq!(
        vcbn::decode(&vcbn_env(json, &[])).unwrap_err(),
        Error::SizeOverflow {
            field: Field::Shape
        }
    );
    // The same shape as uint8 (2^63 bytes) is representable: just truncated.
    let json8 = r#"{"dtype":"uint8","shape":[4294967296,2147483648]}"#;
    let env = vcbn_env(json8, &[]);
    assert_eq!(
        vcbn::decode(&env).unwrap_err(),
        Error::Truncated {
            needed: blob_offset(json8.len()) + (1u64 << 63),
            available: env.len() as u64
        }
    );
}

#[test]
fn size_overflow_vcbn_encoders() {
    let p = Params::new(Dtype::U16, 0.0, 1.0);
    let big = 1u64 << 40;
    let e = Error::SizeOverflow {
        field: Field::Shape,
    };
    let shape = Shape::new(big, big);
    assert_eq!(vcbn::encoded_len(shape, &p).unwrap_err(), e);
    // The streaming encoder (which gives json_len, blob_offset and
    // write_header) refuses the shape when it is made.
    assert_eq!(vcbn::Encoder::new(shape, p).unwrap_err(), e);
    // The sample count check multiplies H*W first.
    let mut out = [0u8; 64];
    assert_eq!(
        vcbn::encode(Samples::F32(&[]), [usize::MAX, 2].into(), &p, &mut out).unwrap_err(),
        e
    );
    assert_eq!(
        vcbn::encode_levels(Levels::U8(&[]), [usize::MAX, 2].into(), 0.0, 1.0, &mut out)
            .unwrap_err(),
        e
    );
}

#[test]
fn size_overflow_sac_encoded_len() {
    let e = sac::encoded_len(usize::MAX, 0).unwrap_err();
    assert_eq!(
        e,
        Error::SizeOverflow {
            field: Field::LengthA
        }
    );
    says(&e, &["size overflow", "length_a"]);
    assert_eq!(
        sac::encoded_len(0, usize::MAX).unwrap_err(),
        Error::SizeOverflow {
            field: Field::LengthB
        }
    );
}

// ---------------------------------------------------------------------------
// UnsupportedVersion

#[test]
fn unsupported_version_vcbn() {
    let env = vcbn_raw(b"VCBN", 0, J_OK.as_bytes(), &BLOB6);
    let e = vcbn::decode(&env).unwrap_err();
    assert_eq!(e, Error::UnsupportedVersion { version: 0 });
    says(&e, &["version 0", "offset 4"]);
    assert_eq!(Prefix::parse(&env, &Limits::DEFAULT).unwrap_err(), e);
    // Any later version is accepted (docs/FORMATS.md §3.6: VERSION >= 1).
    let env = vcbn_raw(b"VCBN", 200, J_OK.as_bytes(), &BLOB6);
    assert_eq!(vcbn::decode(&env).unwrap().header().version(), 200);
}

// ---------------------------------------------------------------------------
// HeaderTooLong

#[test]
fn header_too_long_default_limit() {
    let mut env = b"VCBN\x01".to_vec();
    env.extend_from_slice(&(vcbn::DEFAULT_MAX_JSON_LEN + 1).to_be_bytes());
    env.extend_from_slice(J_OK.as_bytes());
    let e = vcbn::decode(&env).unwrap_err();
    assert_eq!(
        e,
        Error::HeaderTooLong {
            len: 65537,
            limit: 65536,
            offset: 5
        }
    );
    says(&e, &["header too long", "offset 5", "65537", "65536"]);
    assert_eq!(Prefix::parse(&env, &Limits::DEFAULT).unwrap_err(), e);
}

#[test]
fn header_too_long_custom_limit() {
    let env = vcbn_env(J_OK, &BLOB6);
    let limits = Limits::DEFAULT.with_max_json_len(30);
    assert_eq!(
        vcbn::decode_with(&env, &limits).unwrap_err(),
        Error::HeaderTooLong {
            len: 31,
            limit: 30,
            offset: 5
        }
    );
    assert_eq!(
        Prefix::parse(&env, &limits).unwrap_err(),
        Error::HeaderTooLong {
            len: 31,
            limit: 30,
            offset: 5
        }
    );
}

#[test]
fn vcbn_prefix_checks_run_in_the_documented_order() {
    // version 0 and HEADER_LEN over the limit: the version is reported.
    let mut env = b"VCBN\x00".to_vec();
    env.extend_from_slice(&u32::MAX.to_be_bytes());
    assert_eq!(
        vcbn::decode(&env).unwrap_err(),
        Error::UnsupportedVersion { version: 0 }
    );
    // Bad magic beats version 0.
    env[0] = b'X';
    assert!(matches!(
        vcbn::decode(&env).unwrap_err(),
        Error::BadMagic { .. }
    ));
}

// ---------------------------------------------------------------------------
// HeaderNotUtf8

#[test]
fn header_not_utf8_vcbn_decode() {
    let json: &[u8] = b"{\"dtype\":\"uint8\",\"shape\":[2,3],\"note\":\"caf\xe9\"}";
    let bad = json.iter().position(|&b| b == 0xe9).unwrap() as u64;
    assert_eq!(bad, 42);
    let e = vcbn::decode(&vcbn_raw(b"VCBN", 1, json, &BLOB6)).unwrap_err();
    assert_eq!(e, Error::HeaderNotUtf8 { offset: 51 });
    says(&e, &["UTF-8", "offset 51"]);
    // Relative to the JSON when parsed alone.
    assert_eq!(
        vcbn::Header::parse_json(json, &Limits::DEFAULT).unwrap_err(),
        Error::HeaderNotUtf8 { offset: 42 }
    );
}

// ---------------------------------------------------------------------------
// JsonSyntax

#[test]
fn json_syntax_missing_colon() {
    let json = r#"{"dtype" "uint8","shape":[2,3]}"#;
    let e = vcbn::decode(&vcbn_env(json, &BLOB6)).unwrap_err();
    assert_eq!(
        e,
        Error::JsonSyntax {
            offset: 18,
            expected: "':'"
        }
    );
    assert_eq!(at(json, "\"uint8\""), 18);
    says(&e, &["malformed header JSON", "offset 18", "':'"]);
    assert_eq!(
        vcbn::Header::parse_json(json.as_bytes(), &Limits::DEFAULT).unwrap_err(),
        Error::JsonSyntax {
            offset: 9,
            expected: "':'"
        }
    );
}

#[test]
fn json_syntax_header_not_an_object() {
    let json = "[2,3]";
    let e = vcbn::decode(&vcbn_env(json, &[])).unwrap_err();
    assert!(
        matches!(e, Error::JsonSyntax { offset: 9, expected } if expected.contains("object")),
        "{e:?}"
    );
    says(&e, &["offset 9", "object"]);
}

#[test]
fn json_syntax_unterminated_header() {
    let json = r#"{"dtype":"uint8","shape":[2,3]"#;
    let e = vcbn::decode(&vcbn_env(json, &[])).unwrap_err();
    assert_eq!(
        e,
        Error::JsonSyntax {
            offset: 9 + 30,
            expected: "',' or a closing bracket"
        }
    );
}

#[test]
fn json_syntax_trailing_garbage() {
    let json = r#"{"dtype":"uint8","shape":[2,3]} x"#;
    let e = vcbn::decode(&vcbn_env(json, &BLOB6)).unwrap_err();
    assert_eq!(
        e,
        Error::JsonSyntax {
            offset: at(json, "x"),
            expected: "the end of the JSON text"
        }
    );
}

#[test]
fn json_syntax_empty_header() {
    let e = vcbn::decode(&vcbn_env("", &[])).unwrap_err();
    assert!(matches!(e, Error::JsonSyntax { offset: 9, .. }), "{e:?}");
    let e = vcbn::decode(&vcbn_env("   ", &[])).unwrap_err();
    assert!(matches!(e, Error::JsonSyntax { offset: 12, .. }), "{e:?}");
}

#[test]
fn json_syntax_reader() {
    let mut r = json::Reader::new("[1,]", 8);
    assert!(r.next().transpose().unwrap().is_some());
    assert!(r.next().transpose().unwrap().is_some());
    assert_eq!(
        r.next().transpose().unwrap_err(),
        Error::JsonSyntax {
            offset: 3,
            expected: "a value"
        }
    );
}

// ---------------------------------------------------------------------------
// JsonTooDeep

#[test]
fn json_too_deep_default_limit() {
    // Root object is depth 1; 31 arrays reach 32; the 32nd array is too deep.
    let head = r#"{"dtype":"uint8","shape":[2,3],"x":"#;
    let json = format!("{head}{}1{}}}", "[".repeat(32), "]".repeat(32));
    let e = vcbn::decode(&vcbn_env(&json, &BLOB6)).unwrap_err();
    let want = 9 + head.len() as u64 + 31;
    assert_eq!(
        e,
        Error::JsonTooDeep {
            offset: want,
            limit: 32
        }
    );
    says(&e, &["deeper", "limit of 32", &format!("offset {want}")]);
}

#[test]
fn json_too_deep_custom_limit_and_parse_json() {
    let json = r#"{"dtype":"uint8","shape":[2,3],"x":[[1]]}"#;
    let limits = Limits::DEFAULT.with_max_depth(2);
    let e = vcbn::decode_with(&vcbn_env(json, &BLOB6), &limits).unwrap_err();
    assert_eq!(
        e,
        Error::JsonTooDeep {
            offset: at(json, "[[") + 1,
            limit: 2
        }
    );
    assert_eq!(
        vcbn::Header::parse_json(json.as_bytes(), &limits).unwrap_err(),
        Error::JsonTooDeep {
            offset: json.find("[[").unwrap() as u64 + 1,
            limit: 2
        }
    );
    // The same header decodes with depth 3.
    vcbn::decode_with(&vcbn_env(json, &BLOB6), &Limits::DEFAULT.with_max_depth(3)).unwrap();
}

#[test]
fn json_too_deep_reader() {
    let mut r = json::Reader::new("[[[", 2);
    r.next().transpose().unwrap();
    r.next().transpose().unwrap();
    assert_eq!(
        r.next().transpose().unwrap_err(),
        Error::JsonTooDeep {
            offset: 2,
            limit: 2
        }
    );
}

// ---------------------------------------------------------------------------
// JsonNumberTooLong

#[test]
fn json_number_too_long_vmin() {
    let head = r#"{"dtype":"uint8","shape":[2,3],"vmin":"#;
    let json = format!("{head}{}}}", "1".repeat(json::MAX_NUMBER_LEN + 1));
    let e = vcbn::decode(&vcbn_env(&json, &BLOB6)).unwrap_err();
    let want = 9 + head.len() as u64;
    assert_eq!(
        e,
        Error::JsonNumberTooLong {
            offset: want,
            limit: 512
        }
    );
    says(&e, &[&format!("offset {want}"), "512"]);
}

#[test]
fn json_number_too_long_reader() {
    let text = format!("[0.{}]", "5".repeat(600));
    let mut r = json::Reader::new(&text, 8);
    r.next().transpose().unwrap();
    assert_eq!(
        r.next().transpose().unwrap_err(),
        Error::JsonNumberTooLong {
            offset: 1,
            limit: json::MAX_NUMBER_LEN as u32
        }
    );
}

// ---------------------------------------------------------------------------
// DuplicateField

#[test]
fn duplicate_field_dtype() {
    let json = r#"{"dtype":"uint8","shape":[2,3],"dtype":"uint16"}"#;
    let e = vcbn::decode(&vcbn_env(json, &BLOB6)).unwrap_err();
    assert_eq!(
        e,
        Error::DuplicateField {
            field: Field::Dtype,
            offset: 40
        }
    );
    assert_eq!(at_last(json, "\"dtype\""), 40);
    says(&e, &["\"dtype\"", "twice", "offset 40"]);
}

#[test]
fn duplicate_field_through_escaped_key() {
    // "\u0073hape" is "shape" once decoded, as Python reads it.
    let json = r#"{"dtype":"uint8","shape":[2,3],"\u0073hape":[3,2]}"#;
    assert_eq!(
        vcbn::decode(&vcbn_env(json, &BLOB6)).unwrap_err(),
        Error::DuplicateField {
            field: Field::Shape,
            offset: at(json, "\"\\u0073")
        }
    );
}

#[test]
fn duplicate_field_every_known_key() {
    for (key, value, field) in [
        ("endianness", r#""LE""#, Field::Endianness),
        ("order", r#""C""#, Field::Order),
        ("resolution", "255", Field::Resolution),
        ("vmin", "0.0", Field::Vmin),
        ("vmax", "1.0", Field::Vmax),
    ] {
        let json = format!(r#"{{"{key}":{value},"dtype":"uint8","shape":[2,3],"{key}":{value}}}"#);
        assert_eq!(
            vcbn::decode(&vcbn_env(&json, &BLOB6)).unwrap_err(),
            Error::DuplicateField {
                field,
                offset: at_last(&json, &format!("\"{key}\""))
            },
            "{json}"
        );
    }
    // Unknown keys may repeat (Python keeps the last).
    let json = r#"{"x":1,"dtype":"uint8","x":2,"shape":[2,3]}"#;
    vcbn::decode(&vcbn_env(json, &BLOB6)).unwrap();
}

// ---------------------------------------------------------------------------
// MissingField

#[test]
fn missing_field_dtype() {
    let json = r#"{"shape":[2,3],"vmin":0.0}"#;
    let e = vcbn::decode(&vcbn_env(json, &BLOB6)).unwrap_err();
    assert_eq!(
        e,
        Error::MissingField {
            field: Field::Dtype
        }
    );
    says(&e, &["\"dtype\"", "required"]);
}

#[test]
fn missing_field_shape() {
    let json = r#"{"dtype":"uint8"}"#;
    let e = vcbn::decode(&vcbn_env(json, &BLOB6)).unwrap_err();
    assert_eq!(
        e,
        Error::MissingField {
            field: Field::Shape
        }
    );
    says(&e, &["\"shape\"", "required"]);
    assert_eq!(
        vcbn::Header::parse_json(b"{}", &Limits::DEFAULT).unwrap_err(),
        Error::MissingField {
            field: Field::Dtype
        }
    );
}

// ---------------------------------------------------------------------------
// WrongType

#[test]
fn wrong_type_dtype() {
    let json = r#"{"dtype":8,"shape":[2,3]}"#;
    let e = vcbn::decode(&vcbn_env(json, &BLOB6)).unwrap_err();
    assert_eq!(
        e,
        Error::WrongType {
            field: Field::Dtype,
            offset: 18,
            expected: "a string"
        }
    );
    says(&e, &["\"dtype\"", "offset 18", "a string"]);
}

#[test]
fn wrong_type_every_typed_key() {
    for (key, value, field, expected) in [
        ("endianness", "1", Field::Endianness, "a string"),
        ("order", "null", Field::Order, "a string"),
        ("resolution", "true", Field::Resolution, "a number"),
        ("resolution", r#""4096""#, Field::Resolution, "a number"),
        ("vmin", r#""0""#, Field::Vmin, "a number"),
        ("vmax", "[1.0]", Field::Vmax, "a number"),
        ("vmax", "{}", Field::Vmax, "a number"),
        ("dtype", "[]", Field::Dtype, "a string"),
    ] {
        let json = format!(r#"{{"shape":[2,3],"{key}":{value},"dtype":"uint8"}}"#);
        let want = Error::WrongType {
            field,
            offset: 9 + (json.find(&format!("\"{key}\":")).unwrap() + key.len() + 3) as u64,
            expected,
        };
        let e = vcbn::decode(&vcbn_env(&json, &BLOB6)).unwrap_err();
        assert_eq!(e, want, "{json}");
        says(&e, &[key, expected]);
    }
}

// ---------------------------------------------------------------------------
// UnknownDtype

#[test]
fn unknown_dtype() {
    let json = r#"{"dtype":"float32","shape":[2,3]}"#;
    let e = vcbn::decode(&vcbn_env(json, &BLOB6)).unwrap_err();
    assert_eq!(e, Error::UnknownDtype { offset: 18 });
    says(&e, &["unknown dtype", "offset 18", "uint8", "uint16"]);
    // Case matters, as for NumPy.
    let json = r#"{"shape":[2,3],"dtype":"UINT8"}"#;
    assert_eq!(
        vcbn::decode(&vcbn_env(json, &BLOB6)).unwrap_err(),
        Error::UnknownDtype {
            offset: at(json, "\"UINT8\"")
        }
    );
}

// ---------------------------------------------------------------------------
// BadShape

#[test]
fn bad_shape_cases() {
    for (shape, needle, reason_part) in [
        (r#""2x3""#, r#""2x3""#, "list"),
        ("{}", "{}", "list"),
        ("[2]", "[2]", "two"),
        ("[]", "[]", "two"),
        ("[2,3,1]", "1]", "more than two"),
        ("[-1,3]", "-1", "negative"),
        ("[2.5,3]", "2.5", "not an integer"),
        ("[2,1e-1]", "1e-1", "not an integer"),
        ("[2,NaN]", "NaN", "not an integer"),
        ("[2,Infinity]", "Infinity", "not an integer"),
        ("[18446744073709551616,1]", "18446744073709551616", "larger"),
        (r#"[2,"3"]"#, r#""3""#, "not a number"),
        ("[2,[3]]", "[3]", "not a number"),
        ("[2,null]", "null", "not a number"),
    ] {
        let json = format!(r#"{{"dtype":"uint8","shape":{shape}}}"#);
        let offset = 9 + 25 + shape.find(needle).unwrap() as u64;
        let e = vcbn::decode(&vcbn_env(&json, &BLOB6)).unwrap_err();
        match e {
            Error::BadShape { offset: o, reason } => {
                assert_eq!(o, offset, "{json}: {e:?}");
                assert!(reason.contains(reason_part), "{json}: {reason}");
            }
            other => panic!("{json}: expected BadShape, got {other:?}"),
        }
        says(&e, &["bad shape", &format!("offset {offset}")]);
    }
}

// ---------------------------------------------------------------------------
// InvalidValue

#[test]
fn invalid_value_cases() {
    for (key, value, field, expected) in [
        (
            "endianness",
            r#""little""#,
            Field::Endianness,
            r#""LE" or "BE""#,
        ),
        (
            "endianness",
            r#""le""#,
            Field::Endianness,
            r#""LE" or "BE""#,
        ),
        ("order", r#""K""#, Field::Order, r#""C" or "F""#),
        (
            "resolution",
            "0",
            Field::Resolution,
            "an integer from 1 to 65535",
        ),
        (
            "resolution",
            "65536",
            Field::Resolution,
            "an integer from 1 to 65535",
        ),
        (
            "resolution",
            "4096.5",
            Field::Resolution,
            "an integer from 1 to 65535",
        ),
        (
            "resolution",
            "-1",
            Field::Resolution,
            "an integer from 1 to 65535",
        ),
    ] {
        let json = format!(r#"{{"dtype":"uint16","shape":[1,1],"{key}":{value}}}"#);
        let offset = at(&json, &format!("\"{key}\":")) + key.len() as u64 + 3;
        let e = vcbn::decode(&vcbn_env(&json, &[0, 0])).unwrap_err();
        assert_eq!(
            e,
            Error::InvalidValue {
                field,
                offset,
                expected
            },
            "{json}"
        );
        says(&e, &["invalid value", key, &format!("offset {offset}")]);
    }
    // The edges that are allowed.
    for res in ["1", "65535", "4096.0", "4.096e3"] {
        let json = format!(r#"{{"dtype":"uint16","shape":[1,1],"resolution":{res}}}"#);
        vcbn::decode(&vcbn_env(&json, &[0, 0])).unwrap();
    }
}

// ---------------------------------------------------------------------------
// NonFiniteRange

#[test]
fn non_finite_range_encode() {
    let samples = [0.5f32; 6];
    let mut out = [0u8; 512];
    for (vmin, vmax, field) in [
        (f64::NAN, 1.0, Field::Vmin),
        (f64::NEG_INFINITY, 1.0, Field::Vmin),
        (0.0, f64::INFINITY, Field::Vmax),
        (0.0, f64::NAN, Field::Vmax),
    ] {
        let p = Params::new(Dtype::U16, vmin, vmax);
        let e = vcbn::encode(samples[..].into(), Shape::new(2, 3), &p, &mut out).unwrap_err();
        assert_eq!(e, Error::NonFiniteRange { field });
        says(&e, &[field.name(), "not finite"]);
        assert_eq!(vcbn::encoded_len(Shape::new(2, 3), &p).unwrap_err(), e);
        // The streaming encoder (json_len, blob_offset, write_header).
        assert_eq!(vcbn::Encoder::new(Shape::new(2, 3), p).unwrap_err(), e);
        assert_eq!(
            vcbn::encode_levels(Levels::U8(&[0; 6]), Shape::new(2, 3), vmin, vmax, &mut out)
                .unwrap_err(),
            e
        );
    }
    // Both bad: vmin is reported.
    let p = Params::new(Dtype::U8, f64::NAN, f64::NAN);
    assert_eq!(
        vcbn::encoded_len(Shape::new(2, 3), &p).unwrap_err(),
        Error::NonFiniteRange { field: Field::Vmin }
    );
}

// ---------------------------------------------------------------------------
// BufferTooSmall

#[test]
fn buffer_too_small_sac_encode() {
    let mut out = [0x55u8; 47];
    let e = sac::encode(&SAC_A, &SAC_B, Shape::new(2, 3), &mut out).unwrap_err();
    assert_eq!(
        e,
        Error::BufferTooSmall {
            needed: 48,
            available: 47
        }
    );
    says(&e, &["too small", "48", "47"]);
    assert!(out.iter().all(|&b| b == 0x55), "nothing written on error");
}

#[test]
fn buffer_too_small_vcbn_encoders() {
    let p = Params::new(Dtype::U16, 0.0, 1.0);
    let samples = [0.25f32; 6];
    let total = vcbn::encoded_len(Shape::new(2, 3), &p).unwrap();
    let enc = vcbn::Encoder::new(Shape::new(2, 3), p).unwrap();
    let head = enc.blob_offset();
    assert_eq!(total, head + 12);
    let mut out = vec![0x55u8; total - 1];
    let e = vcbn::encode(samples[..].into(), Shape::new(2, 3), &p, &mut out).unwrap_err();
    assert_eq!(
        e,
        Error::BufferTooSmall {
            needed: total as u64,
            available: total as u64 - 1
        }
    );
    // In 0.2 the contents of `out` after an error are unspecified (the
    // encoder may have formatted part of the header), so they are not
    // checked here.
    assert_eq!(
        vcbn::encode_levels(Levels::U16(&[1; 6]), Shape::new(2, 3), 0.0, 1.0, &mut out)
            .unwrap_err(),
        e
    );
    let mut small = vec![0u8; head - 1];
    assert_eq!(
        enc.write_header(&mut small).unwrap_err(),
        Error::BufferTooSmall {
            needed: head as u64,
            available: head as u64 - 1
        }
    );
}

// ---------------------------------------------------------------------------
// LengthMismatch

#[test]
fn length_mismatch_sac_copy_out() {
    let s = valid_sac();
    let f = sac::decode(&s).unwrap();
    let mut five = [0i16; 5];
    let e = f.copy_a_to(&mut five).unwrap_err();
    assert_eq!(
        e,
        Error::LengthMismatch {
            field: Field::LengthA,
            expected: 6,
            actual: 5
        }
    );
    says(&e, &["length mismatch", "length_a", "expected 6", "got 5"]);
    let mut seven = [0i16; 7];
    assert_eq!(
        f.copy_b_to(&mut seven).unwrap_err(),
        Error::LengthMismatch {
            field: Field::LengthB,
            expected: 6,
            actual: 7
        }
    );
}

#[test]
fn length_mismatch_vcbn_samples_vs_shape() {
    let p = Params::new(Dtype::U8, 0.0, 1.0);
    let mut out = [0u8; 512];
    let e = vcbn::encode(Samples::F32(&[0.0; 5]), Shape::new(2, 3), &p, &mut out).unwrap_err();
    assert_eq!(
        e,
        Error::LengthMismatch {
            field: Field::Samples,
            expected: 6,
            actual: 5
        }
    );
    says(&e, &["samples", "expected 6", "got 5"]);
    assert_eq!(
        vcbn::encode_levels(Levels::U8(&[0; 7]), Shape::new(2, 3), 0.0, 1.0, &mut out).unwrap_err(),
        Error::LengthMismatch {
            field: Field::Samples,
            expected: 6,
            actual: 7
        }
    );
    // An odd-length interleaved complex slice.
    let e = vcbn::encode(
        Samples::Complex32(&[0.0; 13], ComplexPart::Real),
        Shape::new(2, 3),
        &p,
        &mut out,
    )
    .unwrap_err();
    assert_eq!(
        e,
        Error::LengthMismatch {
            field: Field::Samples,
            expected: 14,
            actual: 13
        }
    );
}

#[test]
fn length_mismatch_vcbn_frame_and_blob() {
    let env = vcbn_env(J_OK, &BLOB6);
    let f = vcbn::decode(&env).unwrap();
    let want = Error::LengthMismatch {
        field: Field::Blob,
        expected: 6,
        actual: 4,
    };
    assert_eq!(f.dequantize_into(&mut [0f32; 4]).unwrap_err(), want);
    assert_eq!(f.blob().copy_to_u16(&mut [0u16; 4]).unwrap_err(), want);
    says(&want, &["blob", "expected 6", "got 4"]);
    // A uint16 blob of odd length.
    assert_eq!(
        Blob::new(&[1, 2, 3], Dtype::U16, Endianness::Little).unwrap_err(),
        Error::LengthMismatch {
            field: Field::Blob,
            expected: 4,
            actual: 3
        }
    );
    assert!(Blob::new(&[1, 2, 3], Dtype::U16, Endianness::Big).is_err());
}

#[test]
fn length_mismatch_quant() {
    let src = [0.0f32; 4];
    let want = Error::LengthMismatch {
        field: Field::Samples,
        expected: 4,
        actual: 3,
    };
    assert_eq!(
        quant::quantize_u16(&src, 0.0, 1.0, &mut [0; 3]).unwrap_err(),
        want
    );
    assert_eq!(
        quant::quantize_u8(&src, 0.0, 1.0, &mut [0; 3]).unwrap_err(),
        want
    );
    assert_eq!(
        quant::quantize_f64_u16(&[0.0; 4], 0.0, 1.0, &mut [0; 3]).unwrap_err(),
        want
    );
    assert_eq!(
        quant::dequantize_u16(&[0; 4], 0.0, 1.0, &mut [0.0; 3]).unwrap_err(),
        want
    );
    // 8 floats are 4 complex samples.
    assert_eq!(
        quant::quantize_complex_u8(&[0.0; 8], ComplexPart::Magnitude, 0.0, 1.0, &mut [0; 3])
            .unwrap_err(),
        want
    );
}

// ---------------------------------------------------------------------------
// Display of every variant

fn one_of_each() -> Vec<Error> {
    vec![
        Error::Truncated {
            needed: 24,
            available: 3,
        },
        Error::TrailingBytes {
            expected: 48,
            actual: 49,
        },
        Error::BadMagic {
            found: *b"\0\n\r\t",
            expected: "\"SAC1\"",
        },
        Error::UnsupportedDtypeCode { code: 255 },
        Error::UnsupportedArrayCount { count: 0 },
        Error::ShapeMismatch {
            width: u32::MAX,
            height: u32::MAX,
            length_a: 0,
            length_b: 0,
        },
        Error::TooManyElements {
            field: Field::LengthB,
            len: u64::MAX,
        },
        Error::SizeOverflow {
            field: Field::Shape,
        },
        Error::UnsupportedVersion { version: 0 },
        Error::HeaderTooLong {
            len: u64::from(u32::MAX),
            limit: 65536,
            offset: 5,
        },
        Error::HeaderNotUtf8 { offset: 13 },
        Error::JsonSyntax {
            offset: 13,
            expected: "':'",
        },
        Error::JsonTooDeep {
            offset: 13,
            limit: 32,
        },
        Error::JsonNumberTooLong {
            offset: 13,
            limit: 512,
        },
        Error::DuplicateField {
            field: Field::Order,
            offset: 13,
        },
        Error::MissingField {
            field: Field::Shape,
        },
        Error::WrongType {
            field: Field::Vmax,
            offset: 13,
            expected: "a number",
        },
        Error::UnknownDtype { offset: 13 },
        Error::BadShape {
            offset: 13,
            reason: "a dimension is negative",
        },
        Error::InvalidValue {
            field: Field::Resolution,
            offset: 13,
            expected: "an integer from 1 to 65535",
        },
        Error::NonFiniteRange { field: Field::Vmax },
        Error::BufferTooSmall {
            needed: 10,
            available: 9,
        },
        Error::LengthMismatch {
            field: Field::Samples,
            expected: 6,
            actual: 5,
        },
    ]
}

#[test]
fn every_variant_displays_one_distinct_line() {
    let all = one_of_each();
    assert_eq!(all.len(), 23, "one of each variant of src/error.rs");
    let mut seen = std::collections::HashSet::new();
    for e in &all {
        let s = e.to_string();
        assert!(!s.trim().is_empty(), "{e:?}");
        assert!(!s.contains('\n') && !s.contains('\r'), "{e:?}: {s:?}");
        assert!(seen.insert(s.clone()), "duplicate message {s:?}");
        // Variants with an offset field say it.
        if let Error::HeaderNotUtf8 { offset }
        | Error::JsonSyntax { offset, .. }
        | Error::JsonTooDeep { offset, .. }
        | Error::JsonNumberTooLong { offset, .. }
        | Error::DuplicateField { offset, .. }
        | Error::WrongType { offset, .. }
        | Error::UnknownDtype { offset }
        | Error::BadShape { offset, .. }
        | Error::InvalidValue { offset, .. } = *e
        {
            assert!(s.contains(&format!("offset {offset}")), "{s}");
            assert_eq!(e.offset(), Some(offset));
            // shifted() moves the offset and nothing else.
            let moved = e.shifted(9);
            assert_eq!(moved.offset(), Some(offset + 9));
            assert!(moved
                .to_string()
                .contains(&format!("offset {}", offset + 9)));
        }
    }
    // Control bytes in a magic are escaped, keeping the message on one line.
    assert!(all[2].to_string().contains("\\x00\\x0a\\x0d\\x09"));
    // The (u32::MAX)^2 product is shown exactly (it fits in u64).
    assert!(all[5].to_string().contains("18446744065119617025"));
}

#[test]
fn shifted_saturates_and_leaves_offsetless_variants_alone() {
    let e = Error::JsonSyntax {
        offset: u64::MAX - 1,
        expected: "x",
    };
    assert_eq!(
        e.shifted(9),
        Error::JsonSyntax {
            offset: u64::MAX,
            expected: "x"
        }
    );
    for e in one_of_each() {
        if e.offset().is_none()
            || matches!(e, Error::Truncated { .. } | Error::TrailingBytes { .. })
        {
            assert_eq!(e.shifted(9), e);
        }
    }
}

#[test]
fn errors_are_std_errors() {
    fn takes(_: &dyn std::error::Error) {}
    takes(&Error::MissingField {
        field: Field::Dtype,
    });
}

// ---------------------------------------------------------------------------
// Other producers of the same variants

#[test]
fn sac_header_validate_on_a_header_in_memory() {
    let good = sac::Header::new(6, 6, Shape::new(2, 3)).unwrap();
    good.validate().unwrap();
    let mut h = good;
    h.magic = *b"SAC0";
    assert!(matches!(
        h.validate().unwrap_err(),
        Error::BadMagic { found, .. } if found == *b"SAC0"
    ));
    let mut h = good;
    h.dtype_code = 0;
    assert_eq!(
        h.validate().unwrap_err(),
        Error::UnsupportedDtypeCode { code: 0 }
    );
    let mut h = good;
    h.arrays_count = 1;
    assert_eq!(
        h.validate().unwrap_err(),
        Error::UnsupportedArrayCount { count: 1 }
    );
    let mut h = good;
    h.width = 7.into();
    assert_eq!(
        h.validate().unwrap_err(),
        Error::ShapeMismatch {
            width: 7,
            height: 2,
            length_a: 6,
            length_b: 6
        }
    );
}

#[test]
fn parse_json_offsets_are_relative_to_the_json() {
    // Each bad header gives the same error from parse_json (offsets relative
    // to the JSON) as from decode (offsets + 9).
    let long = format!(
        r#"{{"dtype":"uint8","shape":[2,3],"x":{}}}"#,
        "1".repeat(600)
    );
    let deep = format!(r#"{{"dtype":"uint8","x":{}}}"#, "[".repeat(40));
    type IsVariant = fn(&Error) -> bool;
    let docs: Vec<(&str, IsVariant)> = vec![
        (r#"{"dtype" "uint8"}"#, |e| {
            matches!(e, Error::JsonSyntax { .. })
        }),
        (&deep, |e| matches!(e, Error::JsonTooDeep { .. })),
        (&long, |e| matches!(e, Error::JsonNumberTooLong { .. })),
        (r#"{"dtype":"uint8","dtype":"uint8"}"#, |e| {
            matches!(e, Error::DuplicateField { .. })
        }),
        (r#"{"shape":[2,3],"dtype":1}"#, |e| {
            matches!(e, Error::WrongType { .. })
        }),
        (r#"{"shape":[2,3],"dtype":"int8"}"#, |e| {
            matches!(e, Error::UnknownDtype { .. })
        }),
        (r#"{"dtype":"uint8","shape":[2,-3]}"#, |e| {
            matches!(e, Error::BadShape { .. })
        }),
        (r#"{"dtype":"uint8","shape":[2,3],"order":"A"}"#, |e| {
            matches!(e, Error::InvalidValue { .. })
        }),
    ];
    for (json, is_variant) in docs {
        let alone = vcbn::Header::parse_json(json.as_bytes(), &Limits::DEFAULT).unwrap_err();
        let whole = vcbn::decode(&vcbn_env(json, &BLOB6)).unwrap_err();
        assert!(is_variant(&alone), "{json}: {alone:?}");
        assert_eq!(alone.shifted(9), whole, "{json}");
        assert_eq!(alone.offset().unwrap() + 9, whole.offset().unwrap());
        assert!(
            alone.offset().unwrap() < json.len() as u64,
            "{json}: {alone:?}"
        );
    }
}

#[test]
fn non_finite_range_encoder_new() {
    let p = Params::new(Dtype::U8, 0.0, f64::INFINITY);
    assert_eq!(
        vcbn::Encoder::new(Shape::new(1, 1), p).unwrap_err(),
        Error::NonFiniteRange { field: Field::Vmax }
    );
}

#[test]
fn fixed_offsets_of_prefix_errors() {
    assert_eq!(
        Error::BadMagic {
            found: *b"XXXX",
            expected: ""
        }
        .offset(),
        Some(0)
    );
    assert_eq!(Error::UnsupportedVersion { version: 0 }.offset(), Some(4));
    assert_eq!(
        Error::HeaderTooLong {
            len: 9,
            limit: 1,
            offset: 5
        }
        .offset(),
        Some(5)
    );
    assert_eq!(
        Error::MissingField {
            field: Field::Shape
        }
        .offset(),
        None
    );
}

// ---------------------------------------------------------------------------
// Regression tests for the 0.2 API

#[test]
fn odd_complex_slice_streaming_encoder_matches_one_shot() {
    let p = Params::new(Dtype::U16, 0.0, 4.0);
    let shape = Shape::new(1, 1);
    let want = Error::LengthMismatch {
        field: Field::Samples,
        expected: 4,
        actual: 3,
    };
    let mut out = [0u8; 512];
    for samples in [
        Samples::Complex32(&[1.0, 2.0, 3.0], ComplexPart::Real),
        Samples::Complex64(&[1.0, 2.0, 3.0], ComplexPart::Real),
    ] {
        assert_eq!(
            vcbn::encode(samples, shape, &p, &mut out).unwrap_err(),
            want,
            "{samples:?}"
        );
        let mut enc = vcbn::Encoder::new(shape, p).unwrap();
        assert_eq!(
            enc.encode(samples, &mut out).unwrap_err(),
            want,
            "{samples:?}"
        );
        // Nothing was consumed.
        assert_eq!(enc.remaining(), 1);
    }
}

#[cfg(feature = "embedded-io")]
#[test]
fn odd_complex_slice_refused_by_write_vcbn() {
    use framewire::io::{blocking::write_vcbn, WriteError};
    let p = Params::new(Dtype::U16, 0.0, 4.0);
    let want = Error::LengthMismatch {
        field: Field::Samples,
        expected: 4,
        actual: 3,
    };
    for samples in [
        Samples::Complex32(&[1.0, 2.0, 3.0], ComplexPart::Real),
        Samples::Complex64(&[1.0, 2.0, 3.0], ComplexPart::Magnitude),
    ] {
        assert_eq!(
            write_vcbn(Vec::<u8>::new(), samples, Shape::new(1, 1), p).unwrap_err(),
            WriteError::Frame(want),
            "{samples:?}"
        );
    }
    // A lone float is a half pair and no whole sample: still refused, not
    // written as an empty frame (the writer's loop never reached the
    // encoder's check before).
    let half = Error::LengthMismatch {
        field: Field::Samples,
        expected: 2,
        actual: 1,
    };
    for shape in [Shape::new(0, 0), Shape::new(1, 1)] {
        assert_eq!(
            write_vcbn(
                Vec::<u8>::new(),
                Samples::Complex32(&[1.0], ComplexPart::Real),
                shape,
                p
            )
            .unwrap_err(),
            WriteError::Frame(half),
            "{shape:?}"
        );
    }
}

#[test]
fn streaming_encoders_refuse_an_output_too_small_for_one_sample() {
    // SAC: a sample is 2 bytes.
    let mut enc = sac::Encoder::new(1, 1, Shape::UNKNOWN).unwrap();
    assert_eq!(
        enc.encode(&[1, 2], &mut [0u8; 1]),
        Err(Error::BufferTooSmall {
            needed: 2,
            available: 1
        })
    );
    assert_eq!(
        enc.encode(&[1], &mut []),
        Err(Error::BufferTooSmall {
            needed: 2,
            available: 0
        })
    );
    assert_eq!(enc.remaining(), 2, "nothing consumed");
    // Nothing to encode into nothing is fine.
    assert_eq!(enc.encode(&[], &mut []), Ok((0, 0)));

    // VCBN uint16: a level is 2 bytes.
    let p16 = Params::new(Dtype::U16, 0.0, 1.0);
    let mut enc = vcbn::Encoder::new(Shape::new(1, 2), p16).unwrap();
    assert_eq!(
        enc.encode(Samples::F32(&[0.5, 0.5]), &mut [0u8; 1]),
        Err(Error::BufferTooSmall {
            needed: 2,
            available: 1
        })
    );
    assert_eq!(enc.remaining(), 2, "nothing consumed");
    assert_eq!(enc.encode(Samples::F32(&[]), &mut []), Ok((0, 0)));
    // One byte more is enough for one level.
    let mut two = [0u8; 3];
    assert_eq!(enc.encode(Samples::F32(&[0.5, 0.5]), &mut two), Ok((1, 2)));
    assert_eq!(&two[..2], &2048u16.to_le_bytes());

    // VCBN uint8: a level is 1 byte.
    let p8 = Params::new(Dtype::U8, 0.0, 1.0);
    let mut enc = vcbn::Encoder::new(Shape::new(1, 2), p8).unwrap();
    assert_eq!(
        enc.encode(Samples::F32(&[0.5]), &mut []),
        Err(Error::BufferTooSmall {
            needed: 1,
            available: 0
        })
    );
    assert_eq!(enc.encode(Samples::F32(&[]), &mut []), Ok((0, 0)));
    assert_eq!(enc.remaining(), 2);
}

#[test]
fn quantizer_refuses_an_odd_complex_slice() {
    // One complete pair and a half one, into room for one level: only the
    // half pair is wrong.
    let q = quant::Quantizer::new(0.0, 4.0, quant::RESOLUTION_U8);
    let want = Error::LengthMismatch {
        field: Field::Samples,
        expected: 4,
        actual: 3,
    };
    let mut dst8 = [7u8; 1];
    assert_eq!(
        q.quantize(
            Samples::Complex32(&[1.0, 2.0, 3.0], ComplexPart::Real),
            &mut dst8
        ),
        Err(want)
    );
    let mut dst16 = [7u16; 1];
    assert_eq!(
        q.quantize(
            Samples::Complex64(&[1.0, 2.0, 3.0], ComplexPart::Magnitude),
            &mut dst16
        ),
        Err(want)
    );
    // A single float is half a pair too (and zero samples).
    assert_eq!(
        q.quantize(Samples::Complex32(&[1.0], ComplexPart::Real), &mut [0u8; 0]),
        Err(Error::LengthMismatch {
            field: Field::Samples,
            expected: 2,
            actual: 1
        })
    );
    // The complete pair alone quantizes.
    assert_eq!(
        q.quantize(
            Samples::Complex32(&[1.0, 2.0], ComplexPart::Real),
            &mut dst8
        ),
        Ok(())
    );
    assert_eq!(dst8, [63]);
}

#[test]
fn samples_len_is_empty_and_sub() {
    let f = [1.0f32, 2.0, 3.0, 4.0, 5.0];
    let d = [1.0f64, 2.0, 3.0, 4.0, 5.0];
    // Real samples count one per value.
    assert_eq!(Samples::F32(&f).len(), 5);
    assert_eq!(Samples::F64(&d).len(), 5);
    assert!(!Samples::F32(&f).is_empty());
    assert!(Samples::F32(&[]).is_empty());
    assert!(Samples::F64(&[]).is_empty());
    // Complex samples count complete pairs: 5 floats are 2 pairs.
    let c32 = Samples::Complex32(&f, ComplexPart::Real);
    let c64 = Samples::Complex64(&d, ComplexPart::Magnitude);
    assert_eq!(c32.len(), 2);
    assert_eq!(c64.len(), 2);
    assert!(!c32.is_empty());
    // A lone float is no complete pair.
    assert_eq!(Samples::Complex32(&f[..1], ComplexPart::Real).len(), 0);
    assert!(Samples::Complex32(&f[..1], ComplexPart::Real).is_empty());
    assert!(Samples::Complex64(&[], ComplexPart::Real).is_empty());

    // sub of real samples slices values.
    assert_eq!(Samples::F32(&f).sub(1, 3), Some(Samples::F32(&f[1..3])));
    assert_eq!(Samples::F64(&d).sub(0, 5), Some(Samples::F64(&d[..])));
    assert_eq!(Samples::F32(&f).sub(5, 5), Some(Samples::F32(&[])));
    // Out of range, or start after end.
    assert_eq!(Samples::F32(&f).sub(0, 6), None);
    assert_eq!(Samples::F64(&d).sub(3, 2), None);
    assert_eq!(Samples::F32(&f).sub(6, 6), None);

    // sub of complex samples slices 2 floats per pair, keeping the part.
    match c32.sub(1, 2) {
        Some(Samples::Complex32(s, ComplexPart::Real)) => assert_eq!(s, &[3.0, 4.0]),
        other => panic!("{other:?}"),
    }
    match c64.sub(0, 2) {
        Some(Samples::Complex64(s, ComplexPart::Magnitude)) => {
            assert_eq!(s, &[1.0, 2.0, 3.0, 4.0])
        }
        other => panic!("{other:?}"),
    }
    match c32.sub(2, 2) {
        Some(Samples::Complex32(s, _)) => assert!(s.is_empty()),
        other => panic!("{other:?}"),
    }
    // Pair 2 would need floats 4 and 5: the half pair is out of range.
    assert_eq!(c32.sub(2, 3), None);
    assert_eq!(c64.sub(0, 3), None);
    assert_eq!(c32.sub(2, 1), None);
    // Indices whose float offsets overflow are out of range, not a panic.
    assert_eq!(c32.sub(0, usize::MAX), None);
    assert_eq!(c64.sub(usize::MAX, usize::MAX), None);
}

#[test]
fn dequantizer_with_resolution_zero_is_nan() {
    let d = quant::Dequantizer::new(0.0, 1.0, 0);
    for q in [0u16, 1, 4096] {
        assert!(d.value(q).is_nan(), "level {q}: {}", d.value(q));
    }
    let mut out = [0f32; 3];
    d.run(&[0u16, 1, 4096], &mut out).unwrap();
    assert!(out.iter().all(|x| x.is_nan()), "{out:?}");
}

#[cfg(target_pointer_width = "64")]
#[test]
fn size_overflow_sac_encoded_len_blames_the_right_array() {
    let over = usize::MAX / 2 + 1; // 2 * over overflows
    let a = Error::SizeOverflow {
        field: Field::LengthA,
    };
    let b = Error::SizeOverflow {
        field: Field::LengthB,
    };
    assert_eq!(sac::encoded_len(over, 0), Err(a));
    assert_eq!(sac::encoded_len(0, over), Err(b));
    // A is checked first when both overflow.
    assert_eq!(sac::encoded_len(over, over), Err(a));
    // Each array's bytes fit, the sum with the header does not: the larger
    // array is blamed, in either order.
    let half = usize::MAX / 2; // 2 * half = usize::MAX - 1
    assert_eq!(sac::encoded_len(half, 0), Err(a));
    assert_eq!(sac::encoded_len(0, half), Err(b));
    let quarter = usize::MAX / 4;
    assert_eq!(sac::encoded_len(quarter, quarter + 100), Err(b));
    assert_eq!(sac::encoded_len(quarter + 100, quarter), Err(a));
    // Equal halves: A.
    assert_eq!(sac::encoded_len(quarter + 100, quarter + 100), Err(a));
    // The largest that fits.
    let fits = (usize::MAX - 24) / 2;
    assert_eq!(sac::encoded_len(fits, 0), Ok(24 + 2 * fits));
    assert_eq!(sac::encoded_len(0, fits), Ok(24 + 2 * fits));
}

#[test]
fn too_many_elements_width_and_height() {
    let e = sac::Header::new(0, 0, Shape::new(1 << 32, 1)).unwrap_err();
    assert_eq!(
        e,
        Error::TooManyElements {
            field: Field::Height,
            len: 1 << 32
        }
    );
    says(&e, &["height", "4294967296"]);
    let e = sac::Header::new(0, 0, Shape::new(1, 1 << 32)).unwrap_err();
    assert_eq!(
        e,
        Error::TooManyElements {
            field: Field::Width,
            len: 1 << 32
        }
    );
    says(&e, &["width", "4294967296"]);
    // The encoders make the same header.
    assert_eq!(
        sac::Encoder::new(0, 0, Shape::new(1 << 32, 1)).unwrap_err(),
        Error::TooManyElements {
            field: Field::Height,
            len: 1 << 32
        }
    );
    assert_eq!(
        sac::encode(&[], &[], Shape::new(1, u64::MAX), &mut [0u8; 24]).unwrap_err(),
        Error::TooManyElements {
            field: Field::Width,
            len: u64::MAX
        }
    );
    // u32::MAX itself fits (the shape rule then fails for these lengths).
    assert_eq!(
        sac::Header::new(0, 0, Shape::new(u64::from(u32::MAX), 1)).unwrap_err(),
        Error::ShapeMismatch {
            width: 1,
            height: u32::MAX,
            length_a: 0,
            length_b: 0
        }
    );
}

#[test]
fn take_from_bytes_sac() {
    let first = sac::encode_to_vec(&[1, 2], &[3, 4], Shape::new(1, 2)).unwrap();
    let second = sac::encode_to_vec(&[5], &[6], Shape::UNKNOWN).unwrap();
    assert_eq!((first.len(), second.len()), (32, 28));
    let mut wire = [first.as_slice(), &second, b"tail"].concat();

    let (f, rest) = sac::take_from_bytes(&wire).unwrap();
    assert_eq!(f.shape(), Shape::new(1, 2));
    assert!(f.a_iter().eq([1, 2]));
    assert!(f.b_iter().eq([3, 4]));
    assert_eq!(rest, &wire[32..]);
    let (g, rest) = sac::take_from_bytes(rest).unwrap();
    assert_eq!(g.shape(), Shape::UNKNOWN);
    assert!(g.a_iter().eq([5]));
    assert!(g.b_iter().eq([6]));
    assert_eq!(rest, b"tail");

    // Cut inside the second frame: the first still comes out, the second is
    // truncated (sizes relative to the bytes handed over).
    wire.truncate(32 + 27);
    let (_, rest) = sac::take_from_bytes(&wire).unwrap();
    assert_eq!(
        sac::take_from_bytes(rest).unwrap_err(),
        Error::Truncated {
            needed: 28,
            available: 27
        }
    );
    // Cut inside the second header.
    assert_eq!(
        sac::take_from_bytes(&rest[..10]).unwrap_err(),
        Error::Truncated {
            needed: 24,
            available: 10
        }
    );
}

#[test]
fn take_from_bytes_vcbn() {
    let p8 = Params::new(Dtype::U8, 0.0, 1.0);
    let p16 = Params::new(Dtype::U16, 0.0, 1.0);
    let first = vcbn::encode_to_vec(Samples::F32(&[0.0, 1.0]), Shape::new(1, 2), &p8).unwrap();
    let second = vcbn::encode_to_vec(Samples::F32(&[0.5]), Shape::new(1, 1), &p16).unwrap();
    let n = first.len();
    let mut wire = [first.as_slice(), &second, b"xy"].concat();

    let (f, rest) = vcbn::take_from_bytes(&wire, &Limits::DEFAULT).unwrap();
    assert_eq!(f.header().shape(), Shape::new(1, 2));
    assert_eq!(f.blob().as_bytes(), &[0, 255]);
    assert_eq!(rest, &wire[n..]);
    let (g, rest) = vcbn::take_from_bytes(rest, &Limits::DEFAULT).unwrap();
    assert_eq!(g.header().dtype(), Dtype::U16);
    assert_eq!(g.blob().iter().collect::<Vec<u16>>(), [2048]);
    assert_eq!(rest, b"xy");

    // Cut inside the second frame's blob.
    wire.truncate(n + second.len() - 1);
    let (_, rest) = vcbn::take_from_bytes(&wire, &Limits::DEFAULT).unwrap();
    assert_eq!(
        vcbn::take_from_bytes(rest, &Limits::DEFAULT).unwrap_err(),
        Error::Truncated {
            needed: second.len() as u64,
            available: second.len() as u64 - 1
        }
    );
}

#[test]
fn take_from_bytes_any_frame() {
    use framewire::frame::{self, AnyFrame, Format};
    let sac1 = sac::encode_to_vec(&[1], &[2], Shape::new(1, 1)).unwrap();
    let p = Params::new(Dtype::U8, 0.0, 1.0);
    let vcbn1 = vcbn::encode_to_vec(Samples::F32(&[1.0]), Shape::new(1, 1), &p).unwrap();
    let mut wire = [sac1.as_slice(), &vcbn1, &sac1].concat();

    let (a, rest) = frame::take_from_bytes(&wire, &Limits::DEFAULT).unwrap();
    assert_eq!(a.format(), Format::Sac);
    assert!(matches!(a, AnyFrame::Sac(f) if f.a_iter().eq([1])));
    assert_eq!(rest.len(), vcbn1.len() + sac1.len());
    let (b, rest) = frame::take_from_bytes(rest, &Limits::DEFAULT).unwrap();
    assert_eq!(b.format(), Format::Vcbn);
    assert!(matches!(b, AnyFrame::Vcbn(f) if f.blob().as_bytes() == [255]));
    assert_eq!(rest, sac1.as_slice());
    let (c, rest) = frame::take_from_bytes(rest, &Limits::DEFAULT).unwrap();
    assert_eq!(c.format(), Format::Sac);
    assert!(rest.is_empty());

    // Cut inside the second frame.
    wire.truncate(sac1.len() + vcbn1.len() - 1);
    let (_, rest) = frame::take_from_bytes(&wire, &Limits::DEFAULT).unwrap();
    assert_eq!(
        frame::take_from_bytes(rest, &Limits::DEFAULT).unwrap_err(),
        Error::Truncated {
            needed: vcbn1.len() as u64,
            available: vcbn1.len() as u64 - 1
        }
    );
    // Too short to tell the format; not a magic at all.
    assert_eq!(
        frame::take_from_bytes(&wire[..3], &Limits::DEFAULT).unwrap_err(),
        Error::Truncated {
            needed: 4,
            available: 3
        }
    );
}

#[test]
fn decode_any_short_input_and_bad_magic() {
    use framewire::frame;
    assert_eq!(
        frame::decode_any(b"SAC").unwrap_err(),
        Error::Truncated {
            needed: 4,
            available: 3
        }
    );
    assert_eq!(
        frame::decode_any(&[]).unwrap_err(),
        Error::Truncated {
            needed: 4,
            available: 0
        }
    );
    let e = frame::decode_any(b"XXXX\x01\x00\x00\x00\x02{}").unwrap_err();
    assert_eq!(
        e,
        Error::BadMagic {
            found: *b"XXXX",
            expected: "\"SAC1\", \"VCBN\", \"IMPK\" or \"CBIN\""
        }
    );
    says(&e, &["bad magic", "\"XXXX\"", "SAC1", "VCBN"]);
    // The re-export at the crate root is the same function.
    assert_eq!(framewire::decode_any(b"XXXX").unwrap_err(), e);
}
