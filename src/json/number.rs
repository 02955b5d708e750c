//! Number tokens: [`Number`], exact integers and correctly rounded floats.

/// A JSON number token, kept as its source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Number<'a> {
    pub(super) text: &'a str,
}

/// Why a [`Number`] is not a `u64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum IntError {
    /// The value is below zero.
    Negative,
    /// The value has a fractional part, or is `NaN` / `±Infinity`.
    NotInteger,
    /// The value is above `u64::MAX`.
    TooLarge,
}

impl<'a> Number<'a> {
    /// The number's source text.
    pub fn as_str(self) -> &'a str {
        self.text
    }

    /// The value as the nearest `f64` (correctly rounded, as Python's
    /// `float()` reads it; `NaN`/`Infinity` map to themselves, and a literal
    /// beyond the `f64` range to `±inf`).
    pub fn to_f64(self) -> f64 {
        // The reader only produces JSON number grammar or Python's three
        // non-finite literals, all of which the parser takes.
        crate::decimal::parse(self.text).unwrap_or(f64::NAN)
    }

    /// The value as an exact non-negative integer, whatever its JSON form:
    /// `4096`, `4096.0`, `4.096e3` and `-0` are all integers; `4096.5` is not.
    /// Decided on the decimal text, not through `f64`, so no rounding occurs.
    pub fn to_u64(self) -> Result<u64, IntError> {
        let bytes = self.text.as_bytes();
        let (negative, body) = match bytes.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, bytes),
        };
        if body.first().is_some_and(|b| !b.is_ascii_digit()) {
            return Err(IntError::NotInteger); // NaN, Infinity
        }
        // Split mantissa and exponent.
        let (mantissa, exp_text) = match body.iter().position(|&b| b == b'e' || b == b'E') {
            Some(i) => (
                body.get(..i).unwrap_or(&[]),
                body.get(i.saturating_add(1)..),
            ),
            None => (body, None),
        };
        let exp: i64 = match exp_text {
            None => 0,
            Some(t) => parse_exponent(t),
        };
        let (int_part, frac_part) = match mantissa.iter().position(|&b| b == b'.') {
            Some(i) => (
                mantissa.get(..i).unwrap_or(&[]),
                mantissa.get(i.saturating_add(1)..).unwrap_or(&[]),
            ),
            None => (mantissa, &[][..]),
        };
        // Digits d1 d2 ... dn with the decimal point after `point` of them.
        let digits = || int_part.iter().chain(frac_part.iter()).copied();
        let lead_zeros = digits().take_while(|&d| d == b'0').count();
        let n = int_part.len().saturating_add(frac_part.len());
        if lead_zeros == n {
            return Ok(0); // all zero, including -0 and 0.0e5
        }
        if negative {
            return Err(IntError::Negative);
        }
        // Position of the decimal point counted in significant digits.
        let point: i64 = i64::try_from(int_part.len())
            .unwrap_or(i64::MAX)
            .saturating_add(exp)
            .saturating_sub(i64::try_from(lead_zeros).unwrap_or(i64::MAX));
        let sig = n.saturating_sub(lead_zeros);
        let sig_i = i64::try_from(sig).unwrap_or(i64::MAX);
        if point <= 0 {
            return Err(IntError::NotInteger); // 0.00d...: below 1, not zero
        }
        // Significant digits after the point must all be zero.
        let whole_digits = usize::try_from(point).unwrap_or(usize::MAX).min(sig);
        if digits()
            .skip(lead_zeros)
            .skip(whole_digits)
            .any(|d| d != b'0')
        {
            return Err(IntError::NotInteger);
        }
        let mut value: u64 = 0;
        for d in digits().skip(lead_zeros).take(whole_digits) {
            value = value
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(d.wrapping_sub(b'0'))))
                .ok_or(IntError::TooLarge)?;
        }
        let mut zeros = point.saturating_sub(sig_i);
        while zeros > 0 {
            value = value.checked_mul(10).ok_or(IntError::TooLarge)?;
            zeros = zeros.saturating_sub(1);
        }
        Ok(value)
    }
}

/// Parses number text in JSON grammar (or one of Python's `NaN`,
/// `Infinity`, `-Infinity`) into the nearest `f64`: correctly rounded, ties
/// to even, `±inf` beyond the range and `±0` below it, as Python's `float()`
/// and `json.loads` read it. Any length is accepted here (the [`Reader`](super::Reader)
/// limits tokens to [`MAX_NUMBER_LEN`](super::MAX_NUMBER_LEN)). `None` if `text` is not such a number.
///
/// ```
/// # // `json` is public with the `unstable-json` feature only.
/// # #[cfg(feature = "unstable-json")] {
/// use framewire::json::parse_number;
/// assert_eq!(parse_number("0.1"), Some(0.1));
/// assert_eq!(parse_number("1e400"), Some(f64::INFINITY));
/// assert_eq!(parse_number("0x10"), None);
/// # }
/// ```
pub fn parse_number(text: &str) -> Option<f64> {
    crate::decimal::parse(text)
}

/// Parses `[+-]digits` saturating at ±`i64::MAX / 2` (far beyond any
/// meaningful exponent, and small enough that adding a length cannot wrap).
pub(super) fn parse_exponent(t: &[u8]) -> i64 {
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
        v.saturating_neg()
    } else {
        v
    }
}
