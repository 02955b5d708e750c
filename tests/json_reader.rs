//! The header JSON reader (`framewire::json`): it must accept exactly what
//! Python's `json.loads` accepts (Python also reads `NaN`, `Infinity`,
//! `-Infinity`), report the offset of every error, read numbers exactly, skip
//! values iteratively, and decode strings as Python does. Also the writers
//! `write_f64` (Python's `repr(float)`) and `write_str` (`json.dumps`).
//!
//! The accept/reject table and the writer tables were produced once with
//! CPython 3.11's `json` module (`json.loads(doc)` succeeding or raising
//! `ValueError`; `json.dumps(x)`) and are hard-coded here.

#![cfg(feature = "unstable-json")]

use framewire::json::{self, IntError, Item, Number, Reader, Str, Token};
use framewire::Error;
use proptest::prelude::*;

// ---------------------------------------------------------------------------
// helpers

/// Reads a whole document; Ok(number of tokens) or the first error.
fn parse(doc: &str) -> Result<usize, Error> {
    let mut r = Reader::new(doc, json::MAX_DEPTH_CAP);
    let mut n = 0;
    while r.next().transpose()?.is_some() {
        n += 1;
    }
    // Once complete, the reader stays complete.
    assert_eq!(r.next(), None);
    r.finish()?;
    Ok(n)
}

fn tokens(doc: &str) -> Vec<Item<'_>> {
    let mut r = Reader::new(doc, json::MAX_DEPTH_CAP);
    let mut v = Vec::new();
    while let Some(item) = r.next().transpose().unwrap() {
        v.push(item);
    }
    v
}

/// The number token of a document holding just one number.
fn num(text: &str) -> Number<'_> {
    let mut r = Reader::new(text, 1);
    match r.next().unwrap().unwrap().token {
        Token::Number(n) => {
            r.finish().unwrap();
            n
        }
        t => panic!("{text}: {t:?}"),
    }
}

/// The string token of a document holding just one string.
fn string(text: &str) -> Str<'_> {
    let mut r = Reader::new(text, 1);
    match r.next().unwrap().unwrap().token {
        Token::String(s) => s,
        t => panic!("{text}: {t:?}"),
    }
}

fn f64_text(x: f64) -> String {
    let mut s = String::new();
    json::write_f64(&mut s, x).unwrap();
    s
}

fn str_text(x: &str) -> String {
    let mut s = String::new();
    json::write_str(&mut s, x).unwrap();
    s
}

// ---------------------------------------------------------------------------
// Accept exactly what Python's json.loads accepts

/// (document, does `json.loads` accept it)
const PYTHON_LOADS: &[(&str, bool)] = &[
    ("", false),
    (" ", false),
    ("\u{9}\u{d}\u{a}", false),
    ("0", true),
    ("-0", true),
    ("01", false),
    ("-01", false),
    ("00", false),
    ("1.", false),
    (".5", false),
    ("+1", false),
    ("1e", false),
    ("1e+", false),
    ("1E-5", true),
    ("1e05", true),
    ("1.5e3", true),
    ("-", false),
    ("--1", false),
    ("-a", false),
    ("0x10", false),
    ("0.0.0", false),
    ("1.e5", false),
    ("1.0e+", false),
    ("-0.0e-0", true),
    ("123456789012345678901234567890", true),
    ("NaN", true),
    ("Infinity", true),
    ("-Infinity", true),
    ("-NaN", false),
    ("+Infinity", false),
    ("nan", false),
    ("infinity", false),
    ("NaN1", false),
    ("Infinityx", false),
    ("[NaN,Infinity,-Infinity]", true),
    ("true", true),
    ("false", true),
    ("null", true),
    ("True", false),
    ("tru", false),
    ("nul", false),
    ("true1", false),
    ("truex", false),
    ("null null", false),
    ("[]", true),
    ("{}", true),
    ("[1,]", false),
    ("{\"a\":1,}", false),
    ("[,1]", false),
    ("{,}", false),
    ("{\"a\" 1}", false),
    ("{\"a\":}", false),
    ("{1:2}", false),
    ("{\"a\":1 \"b\":2}", false),
    ("[1 2]", false),
    ("{\"a\":1}}", false),
    ("[]]", false),
    ("[", false),
    ("{", false),
    ("{\"a\"", false),
    ("{\"a\":", false),
    ("{\"a\":1", false),
    ("[1", false),
    ("[1,", false),
    ("]", false),
    ("}", false),
    (":", false),
    (",", false),
    ("\"abc\"", true),
    ("\"abc", false),
    ("'a'", false),
    ("\"\\/\"", true),
    ("\"\\a\"", false),
    ("\"\\x41\"", false),
    ("\"\\u00e9\"", true),
    ("\"\\U00e9\"", false),
    ("\"\\u\"", false),
    ("\"\\u12G4\"", false),
    ("\"\\u12\"", false),
    ("\"\\ud83d\\ude00\"", true),
    ("\"\\ud800\"", true),
    ("\"\\udc00\"", true),
    ("\"\\ud800\\u0041\"", true),
    ("\"a\u{9}b\"", false),
    ("\"a\u{a}b\"", false),
    ("\"a\u{0}b\"", false),
    ("\"a\u{1f}b\"", false),
    ("\"a\u{7f}b\"", true),
    ("\"\u{e9}\"", true),
    ("\"\\\"", false),
    ("\"\\\\\"", true),
    ("\u{b}1", false),
    ("\u{c}1", false),
    ("\u{a0}1", false),
    ("\u{feff}1", false),
    (" 1 ", true),
    ("\u{9}1\u{d}\u{a}", true),
    ("1 2", false),
    ("1 // c", false),
    ("/* c */ 1", false),
    ("# c\u{a}1", false),
    ("[1]x", false),
    ("{\"a\":[1,{\"b\":null}]}", true),
    ("{\"a\":1,\"a\":2}", true),
    ("\"\\b\\f\\n\\r\\t\"", true),
    ("[-]", false),
    ("[1e]", false),
    ("[0.]", false),
    ("{\"a\":01}", false),
    ("{\"a\":true,\"b\":[false,null,{}]}", true),
    (" [ 1 , 2 ] ", true),
    ("{ \"a\" : 1 }", true),
    ("1]", false),
    ("{}{}", false),
    ("[]{}", false),
    ("\"\\u0000\"", true),
    ("\"\\uDFFF\\uD800\"", true),
    ("\"\\uD83D\\uDE00x\"", true),
    ("[1,,2]", false),
    ("{\"a\":1,,\"b\":2}", false),
    ("{\"a\"::1}", false),
    ("{:1}", false),
];

#[test]
fn accepts_exactly_what_python_accepts() {
    let mut wrong = Vec::new();
    for &(doc, python) in PYTHON_LOADS {
        let ours = parse(doc);
        if ours.is_ok() != python {
            wrong.push(format!("{doc:?}: python {python}, framewire {ours:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn error_offsets_and_expectations() {
    let syntax = |offset: u64, expected: &'static str| Error::JsonSyntax { offset, expected };
    for (doc, want) in [
        ("", syntax(0, "a value")),
        ("  \r\n\t", syntax(5, "a value")),
        ("01", syntax(1, "the end of the JSON text")),
        ("-01", syntax(2, "the end of the JSON text")),
        ("1.", syntax(2, "a digit after '.'")),
        ("[0.]", syntax(3, "a digit after '.'")),
        (".5", syntax(0, "a value")),
        ("+1", syntax(0, "a value")),
        ("1e", syntax(2, "a digit in the exponent")),
        ("1e+", syntax(3, "a digit in the exponent")),
        ("-", syntax(1, "a digit")),
        ("-a", syntax(1, "a digit")),
        ("-NaN", syntax(1, "a digit")),
        ("NaN1", syntax(3, "the end of the JSON text")),
        ("nan", syntax(0, "a value")),
        ("tru", syntax(0, "a value")),
        ("True", syntax(0, "a value")),
        ("[true1]", syntax(5, "',' or ']'")),
        ("[1,]", syntax(3, "a value")),
        ("[,1]", syntax(1, "a value")),
        ("[1,,2]", syntax(3, "a value")),
        ("{\"a\":1,}", syntax(7, "a string key")),
        ("{,}", syntax(1, "a string key")),
        ("{1:2}", syntax(1, "a string key")),
        ("{'a':1}", syntax(1, "a string key")),
        ("{\"a\" 1}", syntax(5, "':'")),
        ("{\"a\"::1}", syntax(5, "a value")),
        ("{\"a\":}", syntax(5, "a value")),
        ("{\"a\":1 \"b\":2}", syntax(7, "',' or '}'")),
        ("[1 2]", syntax(3, "',' or ']'")),
        ("[1}", syntax(2, "',' or ']'")),
        ("{\"a\":1]", syntax(6, "',' or '}'")),
        ("[]]", syntax(2, "the end of the JSON text")),
        ("{}{}", syntax(2, "the end of the JSON text")),
        ("]", syntax(0, "a value")),
        ("[", syntax(1, "a value")),
        ("[1", syntax(2, "',' or a closing bracket")),
        ("{", syntax(1, "a key")),
        ("{\"a\":1,", syntax(7, "a key")),
        ("{\"a\"", syntax(4, "':'")),
        ("\"abc", syntax(4, "'\"' to close the string")),
        ("\"\\", syntax(2, "a valid escape after '\\'")),
        ("\"\\x41\"", syntax(2, "a valid escape after '\\'")),
        ("\"\\U00e9\"", syntax(2, "a valid escape after '\\'")),
        ("\"\\u12G4\"", syntax(3, "four hex digits after \\u")),
        ("\"\\u12\"", syntax(3, "four hex digits after \\u")),
        (
            "\"a\tb\"",
            syntax(2, "no control characters inside a string"),
        ),
        (
            "\"\u{1f}\"",
            syntax(1, "no control characters inside a string"),
        ),
        ("'a'", syntax(0, "a value")),
        ("1 // c", syntax(2, "the end of the JSON text")),
        ("/* c */ 1", syntax(0, "a value")),
        ("\u{feff}1", syntax(0, "a value")),
        ("\u{a0}1", syntax(0, "a value")),
        ("\u{b}1", syntax(0, "a value")),
    ] {
        assert_eq!(parse(doc), Err(want), "{doc:?}");
    }
}

#[test]
fn whitespace_is_exactly_space_tab_cr_lf() {
    for ws in [" ", "\t", "\r", "\n", "\r\n", " \t\r\n "] {
        let doc = format!("{ws}{{{ws}\"a\"{ws}:{ws}[{ws}1{ws},{ws}2{ws}]{ws}}}{ws}");
        assert_eq!(parse(&doc), Ok(7), "{doc:?}");
    }
    for ws in ["\u{b}", "\u{c}", "\u{a0}", "\u{2028}", "\u{3000}"] {
        let doc = format!("[1,{ws}2]");
        assert!(parse(&doc).is_err(), "{doc:?}");
    }
}

// ---------------------------------------------------------------------------
// Tokens and offsets

#[test]
fn token_stream_with_offsets() {
    let doc = r#" {"a" : [1, true,null,"s\n"], "b":{}, "c":-0.5e-3 } "#;
    let got: Vec<(usize, String)> = tokens(doc)
        .into_iter()
        .map(|i| {
            let t = match i.token {
                Token::BeginObject => "{".to_string(),
                Token::EndObject => "}".to_string(),
                Token::BeginArray => "[".to_string(),
                Token::EndArray => "]".to_string(),
                Token::Key(k) => format!("key {}", k.raw()),
                Token::String(s) => format!("str {}", s.raw()),
                Token::Number(n) => format!("num {}", n.as_str()),
                Token::Bool(b) => format!("bool {b}"),
                Token::Null => "null".to_string(),
            };
            (i.offset, t)
        })
        .collect();
    let want: Vec<(usize, String)> = [
        (1, "{"),
        (2, "key a"),
        (8, "["),
        (9, "num 1"),
        (12, "bool true"),
        (17, "null"),
        (22, "str s\\n"),
        (27, "]"),
        (30, "key b"),
        (34, "{"),
        (35, "}"),
        (38, "key c"),
        (42, "num -0.5e-3"),
        (50, "}"),
    ]
    .into_iter()
    .map(|(o, s)| (o, s.to_string()))
    .collect();
    assert_eq!(got, want);
}

#[test]
fn reader_accessors() {
    let doc = "[[1], 2]";
    let mut r = Reader::new(doc, 8);
    assert_eq!(r.source(), doc);
    assert_eq!((r.position(), r.depth()), (0, 0));
    r.next().transpose().unwrap();
    assert_eq!((r.position(), r.depth()), (1, 1));
    r.next().transpose().unwrap();
    assert_eq!((r.position(), r.depth()), (2, 2));
    r.next().transpose().unwrap();
    r.next().transpose().unwrap();
    assert_eq!((r.position(), r.depth()), (4, 1));
    assert!(matches!(
        r.next().transpose().unwrap(),
        Some(Item { offset: 6, token: Token::Number(n) }) if n.as_str() == "2"
    ));
    assert!(matches!(
        r.next().transpose().unwrap(),
        Some(Item {
            offset: 7,
            token: Token::EndArray
        })
    ));
    assert_eq!(r.depth(), 0);
    assert_eq!(r.next().transpose().unwrap(), None);
    r.finish().unwrap();
}

#[test]
fn finish_rejects_trailing_garbage() {
    let mut r = Reader::new("[1] x", 8);
    for _ in 0..3 {
        r.next().transpose().unwrap();
    }
    assert_eq!(
        r.finish(),
        Err(Error::JsonSyntax {
            offset: 4,
            expected: "the end of the JSON text"
        })
    );
    let mut r = Reader::new("[1] \n", 8);
    for _ in 0..3 {
        r.next().transpose().unwrap();
    }
    assert_eq!(r.finish(), Ok(()));
}

#[test]
fn python_non_finite_literals_are_numbers() {
    for (doc, want) in [
        ("NaN", f64::NAN),
        ("Infinity", f64::INFINITY),
        ("-Infinity", f64::NEG_INFINITY),
    ] {
        let n = num(doc);
        assert_eq!(n.as_str(), doc);
        let v = n.to_f64();
        assert!(
            v.to_bits() == want.to_bits() || (v.is_nan() && want.is_nan()),
            "{doc}"
        );
        assert_eq!(n.to_u64(), Err(IntError::NotInteger));
    }
}

// ---------------------------------------------------------------------------
// Number::to_u64, exactly

#[test]
fn to_u64_exactness_table() {
    use IntError::*;
    let table: &[(&str, Result<u64, IntError>)] = &[
        ("4096", Ok(4096)),
        ("4096.0", Ok(4096)),
        ("4096.000000", Ok(4096)),
        ("4.096e3", Ok(4096)),
        ("4.096E+3", Ok(4096)),
        ("409600e-2", Ok(4096)),
        ("0.4096e4", Ok(4096)),
        ("0.004096e6", Ok(4096)),
        ("-0", Ok(0)),
        ("-0.0", Ok(0)),
        ("0", Ok(0)),
        ("0.0e5", Ok(0)),
        ("0e-5", Ok(0)),
        ("-0e99999999999999999999", Ok(0)),
        ("1e2", Ok(100)),
        ("10e-1", Ok(1)),
        ("100e-2", Ok(1)),
        ("1.50e1", Ok(15)),
        ("0.05e2", Ok(5)),
        ("1e0", Ok(1)),
        ("1E00", Ok(1)),
        ("4096.5", Err(NotInteger)),
        ("1e-1", Err(NotInteger)),
        ("0.5", Err(NotInteger)),
        ("0.05e1", Err(NotInteger)),
        ("15e-1", Err(NotInteger)),
        ("1.0000000000000000000000001", Err(NotInteger)),
        ("1e-99999999999999999999", Err(NotInteger)),
        ("-1", Err(Negative)),
        ("-1e5", Err(Negative)),
        ("-4096.0", Err(Negative)),
        ("NaN", Err(NotInteger)),
        ("Infinity", Err(NotInteger)),
        ("-Infinity", Err(NotInteger)),
        ("18446744073709551615", Ok(u64::MAX)),
        ("18446744073709551615.000", Ok(u64::MAX)),
        ("1.8446744073709551615e19", Ok(u64::MAX)),
        ("184467440737095516150e-1", Ok(u64::MAX)),
        ("18446744073709551616", Err(TooLarge)),
        ("18446744073709551620", Err(TooLarge)),
        ("99999999999999999999", Err(TooLarge)),
        ("1e19", Ok(10_000_000_000_000_000_000)),
        ("1e20", Err(TooLarge)),
        ("1e99999999999999999999", Err(TooLarge)),
        ("123456789e999999999", Err(TooLarge)),
        // f64 could not tell these apart from their neighbours; the text can.
        ("9007199254740993", Ok(9_007_199_254_740_993)),
        ("9007199254740993.0", Ok(9_007_199_254_740_993)),
        ("9007199254740992.5", Err(NotInteger)),
        ("12345678901234567890e-10", Err(NotInteger)),
    ];
    for &(text, want) in table {
        let t = std::time::Instant::now();
        assert_eq!(num(text).to_u64(), want, "{text}");
        // Generous: a loop over the exponent would take hours, not seconds.
        assert!(t.elapsed().as_secs() < 2, "{text} is slow");
    }
}

#[test]
fn to_f64_is_correctly_rounded() {
    for (text, bits) in [
        ("0.1", 0x3fb999999999999au64),
        ("4.096e3", 0x40b0000000000000),
        ("-0", 0x8000000000000000),
        ("-0.0", 0x8000000000000000),
        ("1e-05", 0x3ee4f8b588e368f1),
        ("1.7976931348623157e+308", 0x7fefffffffffffff),
        ("5e-324", 0x0000000000000001),
        ("2.4703282292062328e-324", 0x0000000000000001), // just above half the smallest: rounds up
        ("9007199254740993", 0x4340000000000000),        // tie: to even
        ("1e400", 0x7ff0000000000000),
        ("-1e400", 0xfff0000000000000),
        ("1e-400", 0x0000000000000000),
    ] {
        assert_eq!(num(text).to_f64().to_bits(), bits, "{text}");
    }
}

// ---------------------------------------------------------------------------
// skip_value

#[test]
fn skip_value_spans() {
    let doc = r#"{"a":[1,[2,{"b":3}]],"c":"x\ny","d":-1.5e3,"e":{},"f":true}"#;
    let mut r = Reader::new(doc, 8);
    assert_eq!(r.next().unwrap().unwrap().token, Token::BeginObject);
    let mut spans = Vec::new();
    while let Some(item) = r.next().transpose().unwrap() {
        match item.token {
            Token::Key(k) => {
                let (s, e) = r.skip_value().unwrap();
                spans.push((k.raw(), s, e, &doc[s..e]));
                assert_eq!(r.depth(), 1);
            }
            Token::EndObject => break,
            t => panic!("{t:?}"),
        }
    }
    assert_eq!(
        spans,
        [
            ("a", 5, 20, r#"[1,[2,{"b":3}]]"#),
            ("c", 25, 31, r#""x\ny""#),
            ("d", 36, 42, "-1.5e3"),
            ("e", 47, 49, "{}"),
            ("f", 54, 58, "true"),
        ]
    );
    r.finish().unwrap();
}

#[test]
fn skip_value_at_root_and_in_arrays() {
    let doc = "  [1, {\"x\": [] } ]  ";
    let mut r = Reader::new(doc, 8);
    assert_eq!(r.skip_value(), Ok((2, 18)));
    r.finish().unwrap();

    let doc = r#"[1,{"a":2},"s",[[]]]"#;
    let mut r = Reader::new(doc, 8);
    r.next().transpose().unwrap();
    assert_eq!(r.skip_value(), Ok((1, 2)));
    assert_eq!(r.skip_value(), Ok((3, 10)));
    assert_eq!(r.skip_value(), Ok((11, 14)));
    assert_eq!(r.skip_value(), Ok((15, 19)));
    assert_eq!(r.next().unwrap().unwrap().token, Token::EndArray);
    assert_eq!(r.next().transpose(), Ok(None));
}

#[test]
fn skip_value_errors() {
    // Nothing to skip.
    let mut r = Reader::new(r#"{"a":}"#, 8);
    r.next().transpose().unwrap();
    r.next().transpose().unwrap();
    assert_eq!(
        r.skip_value(),
        Err(Error::JsonSyntax {
            offset: 5,
            expected: "a value"
        })
    );
    // Unbalanced inside the skipped value.
    let mut r = Reader::new(r#"{"a":[1,2}"#, 8);
    r.next().transpose().unwrap();
    r.next().transpose().unwrap();
    assert_eq!(
        r.skip_value(),
        Err(Error::JsonSyntax {
            offset: 9,
            expected: "',' or ']'"
        })
    );
    // Ends inside the skipped value.
    let mut r = Reader::new(r#"{"a":[1,[2]"#, 8);
    r.next().transpose().unwrap();
    r.next().transpose().unwrap();
    assert_eq!(
        r.skip_value(),
        Err(Error::JsonSyntax {
            offset: 11,
            expected: "',' or a closing bracket"
        })
    );
    // Too deep inside the skipped value.
    let mut r = Reader::new(r#"{"a":[[[1]]]}"#, 3);
    r.next().transpose().unwrap();
    r.next().transpose().unwrap();
    assert_eq!(
        r.skip_value(),
        Err(Error::JsonTooDeep {
            offset: 7,
            limit: 3
        })
    );
}

// ---------------------------------------------------------------------------
// Strings

#[test]
fn str_raw_plain_and_eq() {
    let s = string(r#""dtype""#);
    assert_eq!(s.raw(), "dtype");
    assert_eq!(s.as_plain(), Some("dtype"));
    assert!(s.eq_str("dtype"));
    assert!(!s.eq_str("dtyp"));
    assert!(!s.eq_str("dtypee"));

    let s = string(r#""\u0064type""#);
    assert_eq!(s.raw(), r"\u0064type");
    assert_eq!(s.as_plain(), None);
    assert!(s.eq_str("dtype"));
    assert!(!s.eq_str("\\u0064type"));
    assert!(!s.eq_str("dtyp"));
    assert!(!s.eq_str("dtypes"));

    assert!(string(r#""\u0075\u0069\u006E\u0074\u0038""#).eq_str("uint8"));
    assert!(string(r#""uint\u0031\u0036""#).eq_str("uint16"));
    assert!(string(r#""""#).eq_str(""));
    assert!(!string(r#""""#).eq_str("a"));
}

#[test]
fn str_chars_decode_like_python() {
    // (JSON literal, Python's decoded code points; lone surrogates, which a
    // Rust char cannot hold, become U+FFFD)
    for (doc, want) in [
        (r#""\u0064type""#, vec!['d', 't', 'y', 'p', 'e']),
        (r#""\ud83d\ude00""#, vec!['\u{1F600}']),
        (r#""\uD83D\uDE00x""#, vec!['\u{1F600}', 'x']),
        (r#""\ud800""#, vec!['\u{FFFD}']),
        (r#""\udc00""#, vec!['\u{FFFD}']),
        (r#""\ud800\u0041""#, vec!['\u{FFFD}', 'A']),
        (r#""\uDFFF\uD800""#, vec!['\u{FFFD}', '\u{FFFD}']),
        (r#""\ud83d\ud83d\ude00""#, vec!['\u{FFFD}', '\u{1F600}']),
        (r#""\ud83dx""#, vec!['\u{FFFD}', 'x']),
        (r#""\ud83d\n""#, vec!['\u{FFFD}', '\n']),
        (
            r#""a\/b\\c\"d\b\f\n\r\t""#,
            vec![
                'a', '/', 'b', '\\', 'c', '"', 'd', '\u{8}', '\u{c}', '\n', '\r', '\t',
            ],
        ),
        (r#""\u00E9\u20ac""#, vec!['\u{e9}', '\u{20ac}']),
        (r#""\u0000""#, vec!['\0']),
        (
            "\"caf\u{e9} \u{1F600}\"",
            vec!['c', 'a', 'f', '\u{e9}', ' ', '\u{1F600}'],
        ),
    ] {
        let got: Vec<char> = string(doc).chars().collect();
        assert_eq!(got, want, "{doc}");
        let decoded: String = want.iter().collect();
        assert!(string(doc).eq_str(&decoded), "{doc}");
    }
}

// ---------------------------------------------------------------------------
// write_f64: Python's repr(float)

#[test]
fn write_f64_matches_python_repr() {
    // (f64 bits, json.dumps(x)) from CPython 3.11.
    for (bits, want) in [
        (0x0000000000000000u64, "0.0"),
        (0x8000000000000000, "-0.0"),
        (0x3ff0000000000000, "1.0"),
        (0xbff0000000000000, "-1.0"),
        (0x3fb999999999999a, "0.1"),
        (0x3f1a36e2eb1c432d, "0.0001"),
        (0x3ee4f8b588e368f1, "1e-05"),
        (0x3e8421f5f40d8376, "1.5e-07"),
        (0x4341c37937e08000, "1e+16"),
        (0x430c6bf526340000, "1000000000000000.0"),
        (0x419d6f3454000000, "123456789.0"),
        (0x4480f0cf064dd592, "1e+22"),
        (0x0000000000000001, "5e-324"),
        (0x7fefffffffffffff, "1.7976931348623157e+308"),
        (0x0010000000000000, "2.2250738585072014e-308"),
        (0x3fd5555555555555, "0.3333333333333333"),
        (0x4340000000000000, "9007199254740992.0"),
        (0x40b0000000000000, "4096.0"),
        (0x3f80000000000000, "0.0078125"),
        (0x3f33a92a30553261, "0.0003"),
        (0x4345ee2a2eb5a5c4, "1.2345678901234568e+16"),
        (0x430c6bf52633ffff, "999999999999999.9"),
        (0x4341c37937e07fff, "9999999999999998.0"),
        (0x3f201f31f46ed246, "0.000123"),
        (0xbefa36e2eb1c432d, "-2.5e-05"),
        (0x4059000000000000, "100.0"),
        (0x54b249ad2594c37d, "1e+100"),
        (0x3f0a36e2eb1c432d, "5e-05"),
        (0x3f1a36d1bd105b06, "9.9999e-05"),
        (0x0000000000000003, "1.5e-323"),
        (0x44b52d02c7e14af6, "1e+23"),
        (0x447c7e83209e90b2, "8.41e+21"),
    ] {
        assert_eq!(f64_text(f64::from_bits(bits)), want, "{bits:#x}");
    }
    assert_eq!(f64_text(f64::NAN), "NaN");
    assert_eq!(f64_text(f64::INFINITY), "Infinity");
    assert_eq!(f64_text(f64::NEG_INFINITY), "-Infinity");
}

proptest! {
    /// Whatever write_f64 writes, the reader reads back as the same f64, and
    /// it has repr's layout: fixed notation with a '.' for
    /// 1e-4 <= |x| < 1e16, else d[.ddd]e(+|-)XX.
    #[test]
    fn write_f64_round_trips_through_the_reader(x in prop::num::f64::ANY) {
        let text = f64_text(x);
        let n = num(&text);
        let back = n.to_f64();
        if x.is_nan() {
            prop_assert!(back.is_nan());
            return Ok(());
        }
        prop_assert_eq!(back.to_bits(), x.to_bits(), "{}", text);
        if !x.is_finite() || x == 0.0 {
            return Ok(());
        }
        let a = x.abs();
        if (1e-4..1e16).contains(&a) {
            prop_assert!(!text.contains('e') && text.contains('.'), "{}", text);
            prop_assert!(!text.ends_with('.'), "{}", text);
        } else {
            let (mant, exp) = text.split_once('e').unwrap();
            let mant = mant.trim_start_matches('-');
            prop_assert!(mant.len() == 1 || mant.as_bytes()[1] == b'.', "{}", text);
            prop_assert!(exp.starts_with('+') || exp.starts_with('-'), "{}", text);
            prop_assert!(exp.len() >= 3, "{}", text);
            prop_assert!(!mant.ends_with('0') || mant.len() == 1, "{}", text);
        }
        // At most 17 significant digits, as repr never needs more.
        let sig = text
            .split('e')
            .next()
            .unwrap()
            .bytes()
            .filter(u8::is_ascii_digit)
            .skip_while(|&d| d == b'0')
            .count();
        prop_assert!(sig <= 17, "{}", text);
    }

    /// The reader's exact integer reading agrees with u64 arithmetic for
    /// numbers written in several forms.
    #[test]
    fn to_u64_agrees_with_integers(v in any::<u64>(), frac_zeros in 0usize..5, shift in 0usize..25) {
        let plain = v.to_string();
        prop_assert_eq!(num(&plain).to_u64(), Ok(v));
        let dotted = format!("{plain}.{}", "0".repeat(frac_zeros + 1));
        prop_assert_eq!(num(&dotted).to_u64(), Ok(v));
        // v * 10^-shift written back as v with a negative exponent: an
        // integer exactly when the shifted-out digits are zero.
        let scaled = format!("{plain}e-{shift}");
        let want = if shift == 0 {
            Ok(v)
        } else if shift < 20 && v % 10u64.pow(shift as u32) == 0 {
            Ok(v / 10u64.pow(shift as u32))
        } else if v == 0 {
            Ok(0)
        } else {
            Err(IntError::NotInteger)
        };
        prop_assert_eq!(num(&scaled).to_u64(), want, "{}", scaled);
        // And with a positive exponent: v * 10^shift, or TooLarge.
        let grown = format!("{plain}e{shift}");
        let want = 10u64
            .checked_pow(shift as u32)
            .and_then(|p| v.checked_mul(p))
            .ok_or(IntError::TooLarge);
        let want = if v == 0 { Ok(0) } else { want };
        prop_assert_eq!(num(&grown).to_u64(), want, "{}", grown);
    }
}

// ---------------------------------------------------------------------------
// write_str: json.dumps (ensure_ascii=True)

#[test]
fn write_str_matches_python_dumps() {
    for (s, want) in [
        ("", r#""""#),
        ("abc", r#""abc""#),
        ("a\"b", r#""a\"b""#),
        ("a\\b", r#""a\\b""#),
        ("\n\r\t\u{8}\u{c}", r#""\n\r\t\b\f""#),
        ("\u{0}\u{1}\u{1f}", r#""\u0000\u0001\u001f""#),
        ("\u{e9}", r#""\u00e9""#),
        ("\u{20ac}", r#""\u20ac""#),
        ("\u{1f600}", r#""\ud83d\ude00""#),
        ("/", r#""/""#),
        ("'", r#""'""#),
        ("~ ", r#""~ ""#),
        ("\u{2028}", r#""\u2028""#),
        ("\u{fffd}", r#""\ufffd""#),
    ] {
        assert_eq!(str_text(s), want, "{s:?}");
        // And the reader reads it back to the same string.
        assert!(string(&str_text(s)).eq_str(s), "{s:?}");
    }
}

#[test]
fn write_str_escapes_del_like_python() {
    // Python: json.dumps("\x7f") == '"\\u007f"' (ensure_ascii escapes every
    // character outside ' '..='~').
    assert_eq!(str_text("\u{7f}"), r#""\u007f""#);
}

proptest! {
    #[test]
    fn write_str_round_trips_and_is_ascii(s in any::<String>()) {
        let text = str_text(&s);
        prop_assert!(text.is_ascii());
        let st = string(&text);
        prop_assert!(st.eq_str(&s));
        prop_assert_eq!(st.chars().collect::<String>(), s);
    }
}
