//! `json::write_f64` against the implementation it replaced (0.2's, kept
//! here verbatim as the reference: Ryū's text re-laid out, `from_utf8`,
//! float comparisons). The replacement only changed how the same digits are
//! written out (table digits instead of `from_utf8`, bit tests instead of
//! float compares) to save flash on microcontrollers; this checks the bytes
//! are the same on every class of input: all special values, every power of
//! two, every subnormal and normal boundary, every integer-valued and every
//! `k / 2^20` value in the VCBN `size` range, each exponent with random
//! mantissas, and random bit patterns (millions with `--release`).

#![cfg(feature = "unstable-json")]

use core::fmt::{self, Write};

use framewire::json;

fn old_write_u64<W: Write + ?Sized>(w: &mut W, mut v: u64, min_digits: usize) -> fmt::Result {
    let mut buf = [b'0'; 20];
    let mut start = buf.len();
    while v > 0 || start == buf.len() {
        start = start.saturating_sub(1);
        if let Some(slot) = buf.get_mut(start) {
            *slot = b'0'.wrapping_add((v % 10) as u8);
        }
        v /= 10;
    }
    start = start.min(buf.len().saturating_sub(min_digits));
    let digits = buf.get(start..).unwrap_or(&[]);
    w.write_str(core::str::from_utf8(digits).map_err(|_| fmt::Error)?)
}

fn parse_exponent(t: &[u8]) -> i64 {
    let (neg, digits) = match t.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, t),
    };
    let cap = i64::MAX / 2;
    let mut v: i64 = 0;
    for &d in digits {
        v = v
            .saturating_mul(10)
            .saturating_add(i64::from(d.wrapping_sub(b'0')))
            .min(cap);
    }
    if neg {
        -v
    } else {
        v
    }
}

fn old_write_f64<W: Write + ?Sized>(w: &mut W, x: f64) -> fmt::Result {
    if x.is_nan() {
        return w.write_str("NaN");
    }
    if x.is_infinite() {
        return w.write_str(if x > 0.0 { "Infinity" } else { "-Infinity" });
    }
    if x == 0.0 {
        return w.write_str(if x.is_sign_negative() { "-0.0" } else { "0.0" });
    }
    let mut ryu_buf = ryu::Buffer::new();
    let text = ryu_buf.format_finite(x).as_bytes();
    // Ryū writes `[-]d.ddd`, `[-]ddd.0`, `[-]0.000ddd` or `[-]d[.ddd]e[-]x`:
    // take its significant digits and the decimal exponent of the first one.
    let (negative, text) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let (mantissa, exp_part) = match text.iter().position(|&b| b == b'e') {
        Some(i) => (
            text.get(..i).unwrap_or(&[]),
            parse_exponent(text.get(i.saturating_add(1)..).unwrap_or(&[])),
        ),
        None => (text, 0),
    };
    let int_len = mantissa
        .iter()
        .position(|&b| b == b'.')
        .unwrap_or(mantissa.len());
    let mut all = [0u8; 32];
    let mut n = 0usize;
    for &d in mantissa.iter().filter(|b| b.is_ascii_digit()) {
        *all.get_mut(n).ok_or(fmt::Error)? = d;
        n = n.saturating_add(1);
    }
    let all = all.get(..n).ok_or(fmt::Error)?;
    let lead = all.iter().take_while(|&&d| d == b'0').count();
    let sig = all.get(lead..).unwrap_or(&[]);
    let trail = sig.iter().rev().take_while(|&&d| d == b'0').count();
    let sig = sig.get(..sig.len().saturating_sub(trail)).unwrap_or(&[]);
    let digits = core::str::from_utf8(sig).map_err(|_| fmt::Error)?;
    // value = d.ddd * 10^exp
    let exp = exp_part
        .saturating_add(i64::try_from(int_len).unwrap_or(0))
        .saturating_sub(1)
        .saturating_sub(i64::try_from(lead).unwrap_or(0));
    if negative {
        w.write_char('-')?;
    }
    // Python: value = 0.DIGITS * 10**decpt; exponent form when
    // decpt <= -4 or decpt > 16.
    let decpt = exp.saturating_add(1);
    if decpt <= -4 || decpt > 16 {
        let (first, rest) = digits.split_at_checked(1).ok_or(fmt::Error)?;
        w.write_str(first)?;
        if !rest.is_empty() {
            w.write_char('.')?;
            w.write_str(rest)?;
        }
        w.write_str(if exp < 0 { "e-" } else { "e+" })?;
        old_write_u64(w, exp.unsigned_abs(), 2)
    } else if decpt <= 0 {
        w.write_str("0.")?;
        for _ in 0..decpt.unsigned_abs() {
            w.write_char('0')?;
        }
        w.write_str(digits)
    } else {
        let point = usize::try_from(decpt).map_err(|_| fmt::Error)?;
        match digits.split_at_checked(point) {
            Some((int, frac)) if !frac.is_empty() => {
                w.write_str(int)?;
                w.write_char('.')?;
                w.write_str(frac)
            }
            _ => {
                w.write_str(digits)?;
                for _ in digits.len()..point {
                    w.write_char('0')?;
                }
                w.write_str(".0")
            }
        }
    }
}

/// Inputs per random class: a debug build (the plain `cargo test`) runs an
/// eighth of the release count (`cargo test --release`).
const SCALE: u64 = if cfg!(debug_assertions) { 1 } else { 8 };

fn check(bits: u64) {
    let x = f64::from_bits(bits);
    let (mut new, mut old) = (String::new(), String::new());
    json::write_f64(&mut new, x).unwrap();
    old_write_f64(&mut old, x).unwrap();
    assert_eq!(new, old, "{bits:#018x}");
}

/// A small deterministic generator (SplitMix64).
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[test]
fn special_values_and_every_exponent_boundary() {
    for sign in [0u64, 1 << 63] {
        // NaNs (quiet, signalling, payloads), infinities, zeros.
        for m in [0u64, 1, 2, 0x8_0000_0000_0000, 0xf_ffff_ffff_ffff] {
            check(sign | 0x7ff0_0000_0000_0000 | m);
            check(sign | m);
        }
        // Every biased exponent: the smallest and largest mantissas and
        // their neighbours (powers of two and the binade edges).
        for e in 0u64..0x7ff {
            for m in [
                0u64,
                1,
                2,
                3,
                0x8_0000_0000_0000,
                0xf_ffff_ffff_fffe,
                0xf_ffff_ffff_ffff,
            ] {
                check(sign | (e << 52) | m);
            }
        }
    }
}

#[test]
fn integers_and_vcbn_sizes() {
    // Integer values around the fixed/exponent switch (1e16) and 2^53.
    for v in (0u64..100_000).chain((1u64 << 53) - 50_000..(1u64 << 53) + 50_000) {
        check((v as f64).to_bits());
        check((-(v as f64)).to_bits());
    }
    for p in 0..20u32 {
        let t = 10u64.pow(p);
        for v in t.saturating_sub(1000)..t + 1000 {
            check((v as f64).to_bits());
        }
    }
    // The VCBN and imgpack `size` field: blob bytes / 2^20, every blob length
    // up to 2^17 (release: 2^20) bytes and sparse ones up to 2^40 (2^43).
    for len in (0u64..SCALE << 17).chain((0..SCALE << 14).map(|i| i * 67_108_859)) {
        check((len as f64 / 1_048_576.0).to_bits());
    }
}

#[test]
fn random_bit_patterns() {
    let mut s = 0x05ee_df64_u64;
    for _ in 0..SCALE * 250_000 {
        check(splitmix(&mut s));
    }
    // Random mantissas at each exponent.
    for e in 0u64..0x7ff {
        for _ in 0..SCALE * 40 {
            let m = splitmix(&mut s) & 0xf_ffff_ffff_ffff;
            check((e << 52) | m);
        }
    }
    // Short decimals (what people put in headers: 0.1, 2.5e-05, 8.0, ...).
    for _ in 0..SCALE * 50_000 {
        let digits = splitmix(&mut s) % 1_000_000;
        let exp = (splitmix(&mut s) % 60) as i32 - 30;
        let text = format!("{digits}e{exp}");
        check(text.parse::<f64>().unwrap().to_bits());
    }
}
