//! Writers: integers, Python-exact floats and JSON strings.

use core::fmt::{self, Write};

use super::number::parse_exponent;

/// Writes `v` in decimal, at least `min_digits` digits (zero-padded).
/// Hand-rolled so the encoders never reach `core`'s integer formatting,
/// whose bounds checks are a panic path the optimizer keeps.
pub(crate) fn write_u64<W: Write + ?Sized>(
    w: &mut W,
    mut v: u64,
    min_digits: usize,
) -> fmt::Result {
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
    write_digits(w, buf.get(start..).unwrap_or(&[]))
}

/// Writes ASCII decimal digits (`b'0'..=b'9'`; anything else is an error).
/// One `&str` per digit from a table instead of `core::str::from_utf8` on
/// the whole slice: the same bytes, without linking UTF-8 validation (about
/// 360 bytes of flash on a Cortex-M).
fn write_digits<W: Write + ?Sized>(w: &mut W, digits: &[u8]) -> fmt::Result {
    const DIGITS: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
    for &d in digits {
        let s = DIGITS
            .get(usize::from(d.wrapping_sub(b'0')))
            .ok_or(fmt::Error)?;
        w.write_str(s)?;
    }
    Ok(())
}

/// Writes `x` exactly as Python's `repr(float)` does (and therefore as
/// `json.dumps` writes a `float`): shortest round-trip digits, `.0` on
/// integral values, exponent form (`1e-05`, `1.5e+16`) below `1e-4` or from
/// `1e16` in magnitude. Non-finite values are written as Python's `json`
/// writes them: `NaN`, `Infinity`, `-Infinity`.
///
/// The digits come from Ryū (the `ryu` crate): the shortest that round-trip,
/// the closest of those, ties to even, as Python's dtoa chooses; this
/// function only lays them out as Python does.
pub fn write_f64<W: Write + ?Sized>(w: &mut W, x: f64) -> fmt::Result {
    // NaN, the infinities and the zeros told apart on the bits (the same
    // classes as `is_nan`, `is_infinite`, `== 0.0`): no float comparison, so
    // a target without an FPU links no soft-float compare for this.
    let bits = x.to_bits();
    let magnitude = bits & !(1u64 << 63);
    if magnitude > 0x7ff0_0000_0000_0000 {
        return w.write_str("NaN");
    }
    if magnitude == 0x7ff0_0000_0000_0000 {
        return w.write_str(if x.is_sign_negative() {
            "-Infinity"
        } else {
            "Infinity"
        });
    }
    if magnitude == 0 {
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
    let digits = sig.get(..sig.len().saturating_sub(trail)).unwrap_or(&[]);
    // value = d.ddd * 10^exp
    let exp = exp_part
        .saturating_add(i64::try_from(int_len).unwrap_or(0))
        .saturating_sub(1)
        .saturating_sub(i64::try_from(lead).unwrap_or(0));
    if negative {
        w.write_str("-")?;
    }
    // Python: value = 0.DIGITS * 10**decpt; exponent form when
    // decpt <= -4 or decpt > 16.
    let decpt = exp.saturating_add(1);
    if decpt <= -4 || decpt > 16 {
        let (first, rest) = digits.split_at_checked(1).ok_or(fmt::Error)?;
        write_digits(w, first)?;
        if !rest.is_empty() {
            w.write_str(".")?;
            write_digits(w, rest)?;
        }
        w.write_str(if exp < 0 { "e-" } else { "e+" })?;
        write_u64(w, exp.unsigned_abs(), 2)
    } else if decpt <= 0 {
        w.write_str("0.")?;
        for _ in 0..decpt.unsigned_abs() {
            w.write_str("0")?;
        }
        write_digits(w, digits)
    } else {
        let point = usize::try_from(decpt).map_err(|_| fmt::Error)?;
        match digits.split_at_checked(point) {
            Some((int, frac)) if !frac.is_empty() => {
                write_digits(w, int)?;
                w.write_str(".")?;
                write_digits(w, frac)
            }
            _ => {
                write_digits(w, digits)?;
                for _ in digits.len()..point {
                    w.write_str("0")?;
                }
                w.write_str(".0")
            }
        }
    }
}

/// Writes `s` as a JSON string literal with the escapes Python's `json.dumps`
/// uses by default (`ensure_ascii=True`: non-ASCII as `\uXXXX`).
pub fn write_str<W: Write + ?Sized>(w: &mut W, s: &str) -> fmt::Result {
    w.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => w.write_str("\\\"")?,
            '\\' => w.write_str("\\\\")?,
            '\n' => w.write_str("\\n")?,
            '\r' => w.write_str("\\r")?,
            '\t' => w.write_str("\\t")?,
            '\u{8}' => w.write_str("\\b")?,
            '\u{c}' => w.write_str("\\f")?,
            // Python escapes everything outside printable ASCII, DEL included.
            c if (' '..='~').contains(&c) => w.write_char(c)?,
            c => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    w.write_str("\\u")?;
                    for shift in [12u32, 8, 4, 0] {
                        let nibble = (*u >> shift) & 0xF;
                        let hex = b"0123456789abcdef"
                            .get(usize::from(nibble))
                            .copied()
                            .unwrap_or(b'0');
                        w.write_char(char::from(hex))?;
                    }
                }
            }
        }
    }
    w.write_char('"')
}
