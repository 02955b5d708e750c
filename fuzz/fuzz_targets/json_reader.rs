//! The JSON reader behind the VCBN header, against serde_json as an oracle,
//! and `vcbn::Header::parse_json` on arbitrary bytes.
//!
//! Input: byte 0 is the reader's depth limit, the rest is the text.
#![no_main]

use framewire::json::{IntError, Number, Reader, Str, Token};
use framewire::vcbn::{self, Limits};
use framewire_fuzz::{same_json_fields, show_err, SMALL};
use libfuzzer_sys::fuzz_target;
use serde::de::IgnoredAny;

/// Depth for the comparison with serde_json (whose own limit is 128).
const ORACLE_DEPTH: u32 = 100;

fuzz_target!(|data: &[u8]| {
    let Some((&depth, rest)) = data.split_first() else {
        return;
    };

    // The VCBN header parser on raw bytes.
    let header = vcbn::Header::parse_json(rest, &Limits::DEFAULT);
    if let Err(e) = &header {
        show_err(e);
    }
    match vcbn::Header::parse_json(rest, &SMALL) {
        Ok(small) => {
            let big = header.as_ref().expect("small limits accepted more");
            assert!(same_json_fields(&small, big));
        }
        Err(e) => {
            show_err(&e);
        }
    }

    let text = match std::str::from_utf8(rest) {
        Ok(t) => t,
        Err(e) => {
            let err = header.expect_err("parse_json accepted bad UTF-8");
            assert_eq!(
                err,
                framewire::Error::HeaderNotUtf8 {
                    offset: e.valid_up_to() as u64
                }
            );
            return;
        }
    };

    // The number parser on its own, against core's (correctly rounded) one.
    check_parse_number(text);

    // Drive a reader with the input's depth limit to the end.
    let _ = walk(text, u32::from(depth));

    // Against serde_json.
    let ours = walk(text, ORACLE_DEPTH);
    let theirs = serde_json::from_str::<IgnoredAny>(text);
    match (&ours, &theirs) {
        // Limits serde_json does not have.
        (
            Err(framewire::Error::JsonTooDeep { .. } | framewire::Error::JsonNumberTooLong { .. }),
            _,
        ) => {}
        (Err(e), Ok(_)) => panic!("serde_json accepts, the reader refuses: {e:?}"),
        (Ok(non_finite), Err(e)) => {
            assert!(*non_finite, "the reader accepts, serde_json refuses: {e}")
        }
        _ => {}
    }
    if let Ok(h) = &header {
        assert!(ours.is_ok(), "parse_json accepted what the reader refuses");
        let _ = h.frame_len();
    }
    if ours.is_ok() {
        skip_values(text);
    }
});

/// Reads every token, checking each; returns whether a non-finite number
/// (which serde_json does not read) was seen.
fn walk(text: &str, max_depth: u32) -> Result<bool, framewire::Error> {
    let mut r = Reader::new(text, max_depth);
    assert_eq!(r.source(), text);
    let mut last_end = 0usize;
    let mut non_finite = false;
    let result = loop {
        let before = r.depth();
        let item = match r.next() {
            Some(Ok(item)) => item,
            None => break Ok(non_finite),
            Some(Err(e)) => break Err(e),
        };
        assert!(item.offset >= last_end, "tokens overlap");
        assert!(item.offset < text.len());
        assert!(r.position() > item.offset);
        assert!(r.position() <= text.len());
        last_end = r.position();
        assert!(r.depth() <= max_depth.min(framewire::json::MAX_DEPTH_CAP));
        match item.token {
            Token::BeginObject | Token::BeginArray => assert_eq!(r.depth(), before + 1),
            Token::EndObject | Token::EndArray => assert_eq!(r.depth() + 1, before),
            _ => assert_eq!(r.depth(), before),
        }
        let src = &text[item.offset..r.position()];
        match item.token {
            Token::Key(s) | Token::String(s) => {
                assert_eq!(src, format!("\"{}\"", s.raw()));
                check_str(s);
            }
            Token::Number(n) => {
                assert_eq!(src, n.as_str());
                non_finite |= check_number(n);
            }
            Token::Bool(true) => assert_eq!(src, "true"),
            Token::Bool(false) => assert_eq!(src, "false"),
            Token::Null => assert_eq!(src, "null"),
            Token::BeginObject => assert_eq!(src, "{"),
            Token::EndObject => assert_eq!(src, "}"),
            Token::BeginArray => assert_eq!(src, "["),
            Token::EndArray => assert_eq!(src, "]"),
        }
    };
    match &result {
        Ok(_) => {
            assert_eq!(r.depth(), 0);
            assert_eq!(r.finish(), Ok(()));
            assert!(text[last_end..].bytes().all(|b| b" \t\n\r".contains(&b)));
        }
        Err(e) => {
            show_err(e);
            let off = e.offset().expect("reader errors carry an offset");
            assert!(off as usize <= text.len());
        }
    }
    result
}

/// Whether `s` is a number in JSON grammar:
/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn is_json_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if b.first() == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// `json::parse_number` accepts exactly JSON numbers and Python's three
/// non-finite literals, and reads them as core's `f64::from_str` does.
fn check_parse_number(text: &str) {
    let got = framewire::json::parse_number(text);
    match text {
        "NaN" => assert!(got.is_some_and(f64::is_nan)),
        "Infinity" => assert_eq!(got, Some(f64::INFINITY)),
        "-Infinity" => assert_eq!(got, Some(f64::NEG_INFINITY)),
        _ if is_json_number(text) => {
            let want: f64 = text.parse().unwrap();
            let got = got.unwrap_or_else(|| panic!("parse_number refused {text:?}"));
            assert_eq!(got.to_bits(), want.to_bits(), "parse_number({text:?})");
        }
        _ => assert_eq!(got, None, "parse_number accepted {text:?}"),
    }
}

/// Checks a string token's decoding against serde_json's.
fn check_str(s: Str<'_>) {
    let decoded: String = s.chars().collect();
    assert!(s.eq_str(&decoded));
    assert_eq!(s.as_plain().is_some(), !s.raw().contains('\\'));
    if let Some(p) = s.as_plain() {
        assert_eq!(p, decoded);
    }
    match serde_json::from_str::<String>(&format!("\"{}\"", s.raw())) {
        Ok(theirs) => assert_eq!(decoded, theirs),
        // Lone surrogates: Python (and this reader) accept them as U+FFFD.
        Err(_) => assert!(decoded.contains('\u{FFFD}'), "{:?}", s.raw()),
    }
}

/// Checks a number's two readings; returns whether it is non-finite text.
fn check_number(n: Number<'_>) -> bool {
    let text = n.as_str();
    let f = n.to_f64();
    let int = n.to_u64();
    assert_eq!(int, int_oracle(text), "to_u64({text})");
    if matches!(text, "NaN" | "Infinity" | "-Infinity") {
        assert_eq!(int, Err(IntError::NotInteger));
        assert!(!f.is_finite());
        return true;
    }
    let core: f64 = text.parse().unwrap();
    assert_eq!(
        f.to_bits(),
        core.to_bits(),
        "to_f64({text}) differs from core"
    );
    match serde_json::from_str::<f64>(text) {
        Ok(theirs) => assert_eq!(f.to_bits(), theirs.to_bits(), "to_f64({text})"),
        Err(_) => assert!(f.is_infinite(), "to_f64({text}) = {f}"),
    }
    match int {
        Ok(v) => assert_eq!(v as f64, f, "{text}"),
        Err(IntError::TooLarge) => assert!(f >= 18_446_744_073_709_551_616.0),
        Err(IntError::Negative) => assert!(f <= 0.0),
        Err(IntError::NotInteger) => {}
    }
    false
}

/// An independent reading of a JSON number as an exact `u64`.
fn int_oracle(text: &str) -> Result<u64, IntError> {
    if matches!(text, "NaN" | "Infinity" | "-Infinity") {
        return Err(IntError::NotInteger);
    }
    let (neg, body) = match text.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, text),
    };
    let (mant, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], &body[i + 1..]),
        None => (body, "0"),
    };
    let (ip, fp) = mant.split_once('.').unwrap_or((mant, ""));
    let digits: String = ip.chars().chain(fp.chars()).collect();
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Ok(0);
    }
    if neg {
        return Err(IntError::Negative);
    }
    let (eneg, edigits) = match exp.as_bytes()[0] {
        b'-' => (true, &exp[1..]),
        b'+' => (false, &exp[1..]),
        _ => (false, exp),
    };
    // Exponents past 10^6 decide the answer on their own.
    let edigits = edigits.trim_start_matches('0');
    let e: i128 = if edigits.is_empty() {
        0
    } else {
        edigits
            .parse::<i128>()
            .ok()
            .filter(|&e| e < 1_000_000)
            .unwrap_or(1_000_000)
    };
    let e = if eneg { -e } else { e };
    let sig = digits.trim_end_matches('0');
    let e10 = e - fp.len() as i128 + (digits.len() - sig.len()) as i128;
    if e10 < 0 {
        return Err(IntError::NotInteger);
    }
    if sig.len() as i128 + e10 > 20 {
        return Err(IntError::TooLarge);
    }
    let mut v: u128 = sig.parse().unwrap();
    for _ in 0..e10 {
        v *= 10;
    }
    u64::try_from(v).map_err(|_| IntError::TooLarge)
}

/// A document the reader accepts: skipping every value after a key, and
/// skipping the root, both succeed, and each skipped span is itself a JSON text.
fn skip_values(text: &str) {
    let mut r = Reader::new(text, ORACLE_DEPTH);
    let (start, end) = r.skip_value().expect("skipping the root");
    assert_eq!(r.finish(), Ok(()));
    assert!(text[..start].bytes().all(|b| b" \t\n\r".contains(&b)));
    assert!(text[end..].bytes().all(|b| b" \t\n\r".contains(&b)));

    let mut r = Reader::new(text, ORACLE_DEPTH);
    let mut skipped = 0;
    while let Some(item) = r.next().transpose().expect("second pass") {
        if let Token::Key(_) = item.token {
            let depth = r.depth();
            let (s, e) = r.skip_value().expect("skip_value after a key");
            assert_eq!(r.depth(), depth);
            let mut inner = Reader::new(&text[s..e], ORACLE_DEPTH);
            assert!(inner.skip_value().is_ok());
            assert_eq!(inner.finish(), Ok(()));
            skipped += 1;
        }
    }
    let _ = skipped;
}
