//! The header's float reader (`json::Number::to_f64`, framewire's own
//! correctly rounded parser) against `core`'s `f64::from_str` on the host.

#![cfg(feature = "unstable-json")]

use framewire::json::{parse_number, Reader, Token};
use proptest::prelude::*;

/// framewire's reading of a JSON number token.
fn ours(text: &str) -> f64 {
    let mut r = Reader::new(text, 1);
    match r.next().unwrap().unwrap().token {
        Token::Number(n) => n.to_f64(),
        t => panic!("{text}: {t:?}"),
    }
}

#[track_caller]
fn same(text: &str) {
    let want: f64 = text.parse().unwrap();
    let got = if text.len() <= framewire::json::MAX_NUMBER_LEN {
        let through_reader = ours(text);
        assert_eq!(
            Some(through_reader.to_bits()),
            parse_number(text).map(f64::to_bits)
        );
        through_reader
    } else {
        parse_number(text).unwrap()
    };
    assert_eq!(
        got.to_bits(),
        want.to_bits(),
        "{text}: got {got:e}, want {want:e}"
    );
}

/// The exact decimal expansion of `m * 2^e` as `digits` `e10` (value =
/// digits * 10^e10), by schoolbook big-number arithmetic in base 10^9.
fn exact(m: u128, e: i32) -> String {
    let mut limbs: Vec<u64> = Vec::new(); // little-endian base 1e9
    let mut v = m;
    while v > 0 {
        limbs.push((v % 1_000_000_000) as u64);
        v /= 1_000_000_000;
    }
    let mul = |limbs: &mut Vec<u64>, k: u64| {
        let mut carry = 0u64;
        for l in limbs.iter_mut() {
            let x = *l * k + carry;
            *l = x % 1_000_000_000;
            carry = x / 1_000_000_000;
        }
        while carry > 0 {
            limbs.push(carry % 1_000_000_000);
            carry /= 1_000_000_000;
        }
    };
    let e10 = if e >= 0 {
        for _ in 0..e {
            mul(&mut limbs, 2);
        }
        0
    } else {
        for _ in 0..-e {
            mul(&mut limbs, 5);
        }
        e
    };
    let mut s = limbs
        .last()
        .map(|l| l.to_string())
        .unwrap_or_else(|| "0".into());
    for l in limbs.iter().rev().skip(1) {
        s.push_str(&format!("{l:09}"));
    }
    format!("{s}e{e10}")
}

/// `m * 2^e` with `m < 2^53`, the doubles' (mantissa, exponent) form.
fn parts(x: f64) -> (u128, i32) {
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7FF) as i32;
    let frac = (bits & ((1 << 52) - 1)) as u128;
    if exp == 0 {
        (frac, -1074)
    } else {
        (frac | (1 << 52), exp - 1075)
    }
}

#[test]
fn hard_cases() {
    for s in [
        "0", "0.0", "1", "1.5", "0.1", "0.2", "0.3", "1e-05", "1.5e-07", "0.0078125", "4096",
        "4096.0", "4.096e3", "1e16", "1e+16", "1E22", "1e23", "9007199254740993",
        "9007199254740992.5", "1.7976931348623157e308", "1.7976931348623158e308",
        "1.7976931348623159e308", "1e309", "2e308", "5e-324", "4.9406564584124654e-324",
        "2.4703282292062327e-324", "2.4703282292062328e-324", "2.2250738585072011e-308",
        "2.2250738585072014e-308", "2.2250738585072012e-308", "1e-400",
        "123456789012345678901234567890", "0.000000000000000000000000000001",
        "7.2057594037927933e16", "8.589973e9", "3.0517578125e-05", "126274448356840.125",
        "126274448356840.12", "0.1e1", "100000000000000000000000000000000000000000e-40",
        "1e99999999999999999999", "1e-99999999999999999999", "1e-326", "1e-325", "2.5e-324",
        "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497791.9999999999",
    ] {
        same(s);
        same(&format!("-{s}"));
    }
    assert!(ours("NaN").is_nan());
    assert_eq!(ours("Infinity"), f64::INFINITY);
    assert_eq!(ours("-Infinity"), f64::NEG_INFINITY);
    assert_eq!(ours("-0").to_bits(), (-0.0f64).to_bits());
    // JSON grammar only, as documented (found by the json_reader fuzz target).
    for bad in [
        ".24703282292062327e-324",
        " 1",
        "1 ",
        "+1",
        "01",
        "1.",
        ".5",
        "1e",
        "1e+",
        "-",
        "",
        "--1",
        "0x10",
        "1_0",
        "-NaN",
        "nan",
        "inf",
        "Infinity1",
    ] {
        assert_eq!(parse_number(bad), None, "{bad:?}");
    }
}

#[test]
fn every_python_repr_in_the_golden_file() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/floats.txt"
    ))
    .unwrap();
    let mut n = 0;
    for line in text.lines() {
        let (hex, repr) = line.split_once(' ').unwrap();
        let bits = u64::from_str_radix(hex.trim_start_matches("0x"), 16).unwrap();
        assert_eq!(ours(repr).to_bits(), bits, "{repr}");
        n += 1;
    }
    assert!(n > 20_000);
}

#[test]
fn exact_midpoints_round_to_even_and_the_next_digit_decides() {
    let mut xs: Vec<f64> = vec![
        0.0,
        5e-324,
        1e-310,
        f64::from_bits(0x000F_FFFF_FFFF_FFFF), // the largest subnormal
        f64::MIN_POSITIVE,
        1.0,
        0.1,
        3.0,
        9007199254740992.0,
        1e23,
        1.7976931348623155e308,
    ];
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    for _ in 0..300 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let x = f64::from_bits(seed & 0x7FEF_FFFF_FFFF_FFFE);
        xs.push(x);
    }
    for lo in xs {
        let (m, e) = parts(lo);
        // The midpoint between lo and the next double: (2m + 1) * 2^(e - 1).
        let mid = exact(2 * m + 1, e - 1);
        same(&mid);
        // Just above and just below the midpoint.
        let (digits, e10) = mid.split_once('e').unwrap();
        same(&format!("{digits}1e{}", e10.parse::<i32>().unwrap() - 1));
        let below = format!("{}e{e10}", exact_minus_one(digits));
        same(&below);
    }
}

/// A digit string minus one unit in its last place (with borrow; the
/// string is a positive integer).
fn exact_minus_one(digits: &str) -> String {
    let mut d: Vec<u8> = digits.bytes().collect();
    for c in d.iter_mut().rev() {
        if *c == b'0' {
            *c = b'9';
        } else {
            *c -= 1;
            break;
        }
    }
    let s = String::from_utf8(d).unwrap();
    let t = s.trim_start_matches('0');
    if t.is_empty() {
        "0".into()
    } else {
        t.into()
    }
}

fn any_double() -> impl Strategy<Value = f64> {
    any::<u64>()
        .prop_map(f64::from_bits)
        .prop_filter("finite", |x| x.is_finite())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(3_000)
    ))]

    /// Every double, printed with 1 to 40 significant digits (so most
    /// prints are not the double itself), reads back as core reads it.
    #[test]
    fn doubles_printed_at_any_precision(x in any_double(), p in 0usize..40) {
        same(&format!("{x:.p$e}"));
        same(&format!("{x:e}"));
        same(&format!("{x}"));
    }

    /// Random decimal strings: up to 60 digits, any point, any exponent.
    #[test]
    fn random_decimal_strings(
        int in "[1-9][0-9]{0,30}|0",
        frac in proptest::option::of("[0-9]{1,30}"),
        exp in proptest::option::of(-400i32..400),
        neg in any::<bool>(),
    ) {
        let mut s = String::new();
        if neg { s.push('-'); }
        s.push_str(&int);
        if let Some(f) = frac { s.push('.'); s.push_str(&f); }
        if let Some(e) = exp { s.push_str(&format!("e{e}")); }
        same(&s);
    }
}
