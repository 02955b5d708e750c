//! Every limit exactly at the limit (accepted) and one over (refused with its
//! typed error): `HEADER_LEN`, JSON nesting depth (with clamping to
//! `json::MAX_DEPTH_CAP`) and `json::MAX_NUMBER_LEN`, with the defaults and
//! with configured values.

mod common;

use common::vcbn_env;
use framewire::vcbn::{self, Limits};
use framewire::{json, Error, Shape};

// ---------------------------------------------------------------------------
// helpers

const BASE: &str = r#"{"dtype":"uint8","shape":[1,2],"vmin":-1.5,"vmax":2.5"#;
const BLOB: [u8; 2] = [17, 250];

/// A valid header of exactly `len` bytes (whitespace before the final `}`).
fn header_of_len(len: usize) -> String {
    assert!(len > BASE.len());
    let mut s = String::from(BASE);
    s.push_str(&" ".repeat(len - BASE.len() - 1));
    s.push('}');
    assert_eq!(s.len(), len);
    s
}

/// A valid header whose deepest point is exactly `depth` containers (the
/// root object counts as 1; `shape` reaches 2): an unknown key holding
/// `depth - 1` nested arrays. Returns the JSON and the offset (in the JSON)
/// of the innermost `[`.
fn header_of_depth(depth: u32) -> (String, usize) {
    assert!(depth >= 2);
    let head = r#"{"dtype":"uint8","shape":[1,2],"x":"#;
    let n = depth as usize - 1;
    let json = format!("{head}{}{}}}", "[".repeat(n), "]".repeat(n));
    (json, head.len() + n - 1)
}

/// Same shape of document with objects: `{"x":{"x":...{}...}}`.
fn header_of_object_depth(depth: u32) -> (String, usize) {
    assert!(depth >= 2);
    let n = depth as usize - 1;
    let json = format!(
        r#"{{"dtype":"uint8","shape":[1,2]{}}}"#,
        r#","x":{"y":0"#.repeat(n) + &"}".repeat(n)
    );
    let innermost = json.rfind('{').unwrap();
    (json, innermost)
}

#[track_caller]
fn decodes(env: &[u8], limits: &Limits) {
    let f = vcbn::decode_with(env, limits).unwrap();
    assert_eq!(f.header().shape(), Shape::new(1, 2));
    assert_eq!(f.blob().as_bytes(), &BLOB);
}

// ---------------------------------------------------------------------------
// Limits values

#[test]
fn default_limits() {
    assert_eq!(vcbn::DEFAULT_MAX_JSON_LEN, 65536);
    assert_eq!(vcbn::DEFAULT_MAX_DEPTH, 32);
    assert_eq!(vcbn::DEFAULT_MAX_DEPTH, json::DEFAULT_MAX_DEPTH);
    assert_eq!(json::MAX_DEPTH_CAP, 256);
    assert_eq!(vcbn::MAX_DEPTH_CAP, json::MAX_DEPTH_CAP);
    assert_eq!(json::MAX_NUMBER_LEN, 512);
    let d = Limits::default();
    assert_eq!(d, Limits::DEFAULT);
    assert_eq!(d.max_json_len(), vcbn::DEFAULT_MAX_JSON_LEN);
    assert_eq!(d.max_depth(), vcbn::DEFAULT_MAX_DEPTH);
}

#[test]
fn limits_builders() {
    let l = Limits::DEFAULT.with_max_json_len(7).with_max_depth(9);
    assert_eq!((l.max_json_len(), l.max_depth()), (7, 9));
    assert_eq!(Limits::DEFAULT.with_max_depth(256).max_depth(), 256);
    assert_eq!(Limits::DEFAULT.with_max_depth(257).max_depth(), 256);
    assert_eq!(Limits::DEFAULT.with_max_depth(u32::MAX).max_depth(), 256);
    assert_eq!(Limits::DEFAULT.with_max_depth(0).max_depth(), 0);
    assert_eq!(
        Limits::DEFAULT.with_max_json_len(u32::MAX).max_json_len(),
        u32::MAX
    );
}

// ---------------------------------------------------------------------------
// max_json_len

#[test]
fn header_len_at_default_limit_decodes_one_over_fails() {
    let at = header_of_len(vcbn::DEFAULT_MAX_JSON_LEN as usize);
    decodes(&vcbn_env(&at, &BLOB), &Limits::DEFAULT);
    let env = vcbn_env(&at, &BLOB);
    let f = vcbn::decode(&env).unwrap();
    assert_eq!(f.header().json_len(), 65536);
    assert_eq!(f.header().blob_offset(), 9 + 65536 + 1);

    let over = header_of_len(vcbn::DEFAULT_MAX_JSON_LEN as usize + 1);
    let e = vcbn::decode(&vcbn_env(&over, &BLOB)).unwrap_err();
    assert_eq!(
        e,
        Error::HeaderTooLong {
            len: 65537,
            limit: 65536,
            offset: 5
        }
    );
    // The limit is checked on the prefix alone: the rest need not be there.
    assert_eq!(vcbn::decode(&vcbn_env(&over, &BLOB)[..9]).unwrap_err(), e);
}

#[test]
fn header_len_at_custom_limits() {
    for limit in [BASE.len() as u32 + 1, 64, 255, 256, 1000, 70_000] {
        let limits = Limits::DEFAULT.with_max_json_len(limit);
        let at = header_of_len(limit as usize);
        decodes(&vcbn_env(&at, &BLOB), &limits);
        let over = header_of_len(limit as usize + 1);
        assert_eq!(
            vcbn::decode_with(&vcbn_env(&over, &BLOB), &limits).unwrap_err(),
            Error::HeaderTooLong {
                len: u64::from(limit) + 1,
                limit: u64::from(limit),
                offset: 5
            },
            "limit {limit}"
        );
        assert_eq!(
            vcbn::Prefix::parse(&vcbn_env(&at, &BLOB), &limits)
                .unwrap()
                .json_len(),
            limit
        );
    }
}

#[test]
fn header_len_limit_zero() {
    let limits = Limits::DEFAULT.with_max_json_len(0);
    // HEADER_LEN 0 passes the limit and then fails as JSON (an empty header).
    let e = vcbn::decode_with(&vcbn_env("", &[]), &limits).unwrap_err();
    assert!(matches!(e, Error::JsonSyntax { offset: 9, .. }), "{e:?}");
    assert_eq!(
        vcbn::decode_with(&vcbn_env("{", &[]), &limits).unwrap_err(),
        Error::HeaderTooLong {
            len: 1,
            limit: 0,
            offset: 5
        }
    );
}

#[test]
fn header_len_limit_u32_max() {
    let limits = Limits::DEFAULT.with_max_json_len(u32::MAX);
    let mut env = b"VCBN\x01".to_vec();
    env.extend_from_slice(&u32::MAX.to_be_bytes());
    // Accepted by the prefix check, then truncated.
    assert_eq!(
        vcbn::Prefix::parse(&env, &limits).unwrap().json_len(),
        u32::MAX
    );
    assert_eq!(
        vcbn::decode_with(&env, &limits).unwrap_err(),
        Error::Truncated {
            needed: 9 + u64::from(u32::MAX),
            available: 9
        }
    );
}

// ---------------------------------------------------------------------------
// max_depth

#[test]
fn depth_at_default_limit_decodes_one_over_fails() {
    let (at, _) = header_of_depth(vcbn::DEFAULT_MAX_DEPTH);
    decodes(&vcbn_env(&at, &BLOB), &Limits::DEFAULT);
    vcbn::decode(&vcbn_env(&at, &BLOB)).unwrap();

    let (over, innermost) = header_of_depth(vcbn::DEFAULT_MAX_DEPTH + 1);
    assert_eq!(
        vcbn::decode(&vcbn_env(&over, &BLOB)).unwrap_err(),
        Error::JsonTooDeep {
            offset: 9 + innermost as u64,
            limit: 32
        }
    );
}

#[test]
fn depth_at_custom_limits() {
    for limit in [2u32, 3, 5, 31, 33, 100, 255, 256] {
        let limits = Limits::DEFAULT.with_max_depth(limit);
        for make in [header_of_depth, header_of_object_depth] {
            let (at, _) = make(limit);
            decodes(&vcbn_env(&at, &BLOB), &limits);
            let (over, innermost) = make(limit + 1);
            assert_eq!(
                vcbn::decode_with(&vcbn_env(&over, &BLOB), &limits).unwrap_err(),
                Error::JsonTooDeep {
                    offset: 9 + innermost as u64,
                    limit
                },
                "limit {limit}: {over}"
            );
            // parse_json: same, relative to the JSON.
            assert_eq!(
                vcbn::Header::parse_json(over.as_bytes(), &limits).unwrap_err(),
                Error::JsonTooDeep {
                    offset: innermost as u64,
                    limit
                }
            );
        }
    }
}

#[test]
fn depth_limit_clamped_to_cap() {
    for requested in [257, 1000, u32::MAX] {
        let limits = Limits::DEFAULT.with_max_depth(requested);
        let (at, _) = header_of_depth(json::MAX_DEPTH_CAP);
        decodes(&vcbn_env(&at, &BLOB), &limits);
        let (over, innermost) = header_of_depth(json::MAX_DEPTH_CAP + 1);
        assert_eq!(
            vcbn::decode_with(&vcbn_env(&over, &BLOB), &limits).unwrap_err(),
            Error::JsonTooDeep {
                offset: 9 + innermost as u64,
                limit: json::MAX_DEPTH_CAP
            },
            "requested {requested}"
        );
    }
}

#[test]
fn depth_one_and_zero() {
    // Depth 1 admits the root object only, and the canonical header has
    // `shape` at depth 2.
    let json = r#"{"dtype":"uint8","shape":[1,2]}"#;
    assert_eq!(
        vcbn::decode_with(&vcbn_env(json, &BLOB), &Limits::DEFAULT.with_max_depth(1)).unwrap_err(),
        Error::JsonTooDeep {
            offset: 9 + 25,
            limit: 1
        }
    );
    decodes(&vcbn_env(json, &BLOB), &Limits::DEFAULT.with_max_depth(2));
    // Depth 0 admits nothing.
    assert_eq!(
        vcbn::decode_with(&vcbn_env(json, &BLOB), &Limits::DEFAULT.with_max_depth(0)).unwrap_err(),
        Error::JsonTooDeep {
            offset: 9,
            limit: 0
        }
    );
}

#[test]
fn reader_depth_clamped_to_cap() {
    for (requested, effective) in [
        (0u32, 0u32),
        (7, 7),
        (256, 256),
        (257, 256),
        (u32::MAX, 256),
    ] {
        // `effective` nested arrays around a scalar.
        let e = effective as usize;
        let ok = format!("{}0{}", "[".repeat(e), "]".repeat(e));
        let mut r = json::Reader::new(&ok, requested);
        let mut n = 0;
        while r.next().transpose().unwrap().is_some() {
            n += 1;
            assert!(r.depth() <= effective);
        }
        assert_eq!(n, 2 * e + 1);
        let over = "[".repeat(effective as usize + 1);
        let mut r = json::Reader::new(&over, requested);
        for _ in 0..effective {
            r.next().transpose().unwrap();
        }
        assert_eq!(
            r.next().transpose().unwrap_err(),
            Error::JsonTooDeep {
                offset: u64::from(effective),
                limit: effective
            }
        );
    }
}

// ---------------------------------------------------------------------------
// json::MAX_NUMBER_LEN

/// A header with `value` as the number for `key`.
fn with_number(key: &str, value: &str) -> (String, u64) {
    let head = format!(r#"{{"dtype":"uint8","shape":[1,2],"{key}":"#);
    let at = 9 + head.len() as u64;
    (format!("{head}{value}}}"), at)
}

#[test]
fn number_at_max_len_accepted_one_over_refused() {
    let m = json::MAX_NUMBER_LEN;
    // (text of exactly m chars, text of m + 1 chars) in every part of the grammar.
    let cases: Vec<(String, String)> = vec![
        // integer digits
        ("1".repeat(m), "1".repeat(m + 1)),
        // sign + digits
        (
            format!("-{}", "1".repeat(m - 1)),
            format!("-{}", "1".repeat(m)),
        ),
        // fraction
        (
            format!("0.{}", "0".repeat(m - 2)),
            format!("0.{}", "0".repeat(m - 1)),
        ),
        // exponent
        (
            format!("1e{}", "0".repeat(m - 2)),
            format!("1e{}", "0".repeat(m - 1)),
        ),
        // signed exponent
        (
            format!("2.5E-{}", "0".repeat(m - 5)),
            format!("2.5E-{}", "0".repeat(m - 4)),
        ),
    ];
    for (ok, bad) in &cases {
        assert_eq!(ok.len(), m);
        assert_eq!(bad.len(), m + 1);
        for key in ["vmin", "unknown"] {
            let (json, _) = with_number(key, ok);
            decodes(&vcbn_env(&json, &BLOB), &Limits::DEFAULT);
            let (json, at) = with_number(key, bad);
            assert_eq!(
                vcbn::decode(&vcbn_env(&json, &BLOB)).unwrap_err(),
                Error::JsonNumberTooLong {
                    offset: at,
                    limit: m as u32
                },
                "{key}: {}...",
                &bad[..10]
            );
        }
    }
}

#[test]
fn number_at_max_len_keeps_its_value() {
    let m = json::MAX_NUMBER_LEN;
    // 4096 written with 512 characters, as a shape dimension and a resolution.
    let long_4096 = format!("4096.{}", "0".repeat(m - 5));
    assert_eq!(long_4096.len(), m);
    let json = format!(r#"{{"dtype":"uint16","shape":[1,{long_4096}],"resolution":{long_4096}}}"#);
    let env = vcbn_env(&json, &vec![0; 8192]);
    let f = vcbn::decode(&env).unwrap();
    assert_eq!(f.header().shape(), Shape::new(1, 4096));
    assert_eq!(f.header().resolution(), 4096);
    // vmin = 0.00...0125 (512 chars): the tiny value is read exactly as f64 parsing does.
    let tiny = format!("0.{}125", "0".repeat(m - 5));
    let (json, _) = with_number("vmin", &tiny);
    let env = vcbn_env(&json, &BLOB);
    let f = vcbn::decode(&env).unwrap();
    assert_eq!(f.header().vmin(), tiny.parse::<f64>().unwrap());
    assert_eq!(f.header().vmin(), 0.0); // 1.25e-510 underflows
    let big = format!("1{}.5", "0".repeat(m - 3));
    let (json, _) = with_number("vmax", &big);
    let env = vcbn_env(&json, &BLOB);
    let f = vcbn::decode(&env).unwrap();
    assert_eq!(f.header().vmax(), f64::INFINITY); // 1e510
}

#[test]
fn reader_number_len_limit() {
    let m = json::MAX_NUMBER_LEN;
    let ok = format!("[{}]", "9".repeat(m));
    let mut r = json::Reader::new(&ok, 4);
    r.next().transpose().unwrap();
    match r.next().unwrap().unwrap().token {
        json::Token::Number(n) => assert_eq!(n.as_str().len(), m),
        t => panic!("{t:?}"),
    }
    let bad = format!("[{}]", "9".repeat(m + 1));
    let mut r = json::Reader::new(&bad, 4);
    r.next().transpose().unwrap();
    assert_eq!(
        r.next().transpose().unwrap_err(),
        Error::JsonNumberTooLong {
            offset: 1,
            limit: m as u32
        }
    );
    // NaN/Infinity are short and unaffected.
    let mut r = json::Reader::new("-Infinity", 4);
    assert!(matches!(
        r.next().unwrap().unwrap().token,
        json::Token::Number(n) if n.as_str() == "-Infinity"
    ));
}
