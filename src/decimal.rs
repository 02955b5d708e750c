//! Correctly rounded decimal → `f64`, with no panic path.
//!
//! Why hand-written: the VCBN header's `vmin`/`vmax` must be read exactly as
//! Python's `float()` reads them (correct rounding), and the decoders must
//! link with no reachable panic (see the no-panic link proof). `core`'s
//! `f64::from_str` keeps bounds checks in its big-decimal fallback that the
//! optimizer cannot remove, and so do `lexical-parse-float`, `fast-float2` and
//! `minimal-lexical` (each failed the same link test). The numbers here are
//! short (a JSON token of at most [`crate::json::MAX_NUMBER_LEN`] bytes) and
//! few (two or three per frame), so a simple exact algorithm is enough:
//!
//! 1. Clinger's fast path: a mantissa below 2^53 times an exact power of ten
//!    up to 10^22 is one correctly rounded IEEE multiplication or division.
//! 2. Otherwise, simple decimal conversion (the algorithm of Go's `strconv`
//!    and `core`'s own fallback): the decimal digits are shifted by powers of
//!    two, exactly, until the value is in [1/2, 1), then 53 bits are taken
//!    with round-half-even. Digits beyond the buffer set a `trunc` flag, which
//!    only matters for exact halfway cases.
//!
//! Every access is `get`/`get_mut`, every loop has a bound, and the results
//! are checked against `core`'s parser on millions of inputs in the tests.

/// Digits kept exactly (`core` and Go use 768 and 800).
const MAX_DIGITS: usize = 800;
/// The largest shift per step: `10 * 2^27 + 9` fits easily in `u64`, and
/// `5^27` (the left-shift cutoff) does too.
const MAX_SHIFT: u32 = 27;
/// Binary shift that moves the decimal point by at least `i` places, `i < 9`.
const POWTAB: [u32; 9] = [1, 3, 6, 9, 13, 16, 19, 23, 26];
/// 10^0 ..= 10^22, all exact in `f64`.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

const MANT_BITS: u32 = 52;
const BIAS: i32 = -1023;
/// Biased exponent of infinity.
const EXP_INF: i32 = 0x7FF;

struct Decimal {
    /// Digit values 0..=9, most significant first: the value is
    /// `0.d[0] d[1] ... d[nd-1] * 10^dp`.
    d: [u8; MAX_DIGITS],
    nd: usize,
    dp: i32,
    /// Nonzero digits were dropped past `d[MAX_DIGITS - 1]`.
    trunc: bool,
}

impl Decimal {
    /// Digit `i`, or 0 past the last one (`d[nd..]` holds stale digits from
    /// earlier shifts, which must never be read back).
    fn digit(&self, i: usize) -> u64 {
        if i >= self.nd {
            return 0;
        }
        u64::from(self.d.get(i).copied().unwrap_or(0))
    }

    fn set(&mut self, i: usize, v: u64) {
        if let Some(slot) = self.d.get_mut(i) {
            // v < 10 at every call site.
            *slot = (v % 10) as u8;
        }
    }

    fn trim(&mut self) {
        while self.nd > 0 && self.digit(self.nd.wrapping_sub(1)) == 0 {
            self.nd = self.nd.wrapping_sub(1);
        }
        if self.nd == 0 {
            self.dp = 0;
        }
    }

    /// Divides by `2^k`, `k <= MAX_SHIFT`.
    fn right_shift(&mut self, k: u32) {
        let mut r = 0usize;
        let mut w = 0usize;
        let mut n: u64 = 0;
        // Pick up enough leading digits to cover the first shift.
        while n >> k == 0 {
            if r >= self.nd {
                if n == 0 {
                    self.nd = 0;
                    self.dp = 0;
                    return;
                }
                while n >> k == 0 {
                    n = n.wrapping_mul(10);
                    r = r.saturating_add(1);
                }
                break;
            }
            n = n.wrapping_mul(10).wrapping_add(self.digit(r));
            r = r.saturating_add(1);
        }
        self.dp = self
            .dp
            .saturating_sub(i32::try_from(r).unwrap_or(i32::MAX))
            .saturating_add(1);
        let mask = (1u64 << k).wrapping_sub(1);
        // Pick up a digit, put down a digit.
        while r < self.nd {
            let c = self.digit(r);
            let dig = n >> k;
            n &= mask;
            self.set(w, dig);
            w = w.saturating_add(1);
            n = n.wrapping_mul(10).wrapping_add(c);
            r = r.saturating_add(1);
        }
        // Put down the remaining digits.
        while n > 0 {
            let dig = n >> k;
            n &= mask;
            if w < MAX_DIGITS {
                self.set(w, dig);
                w = w.saturating_add(1);
            } else if dig > 0 {
                self.trunc = true;
            }
            n = n.wrapping_mul(10);
        }
        self.nd = w;
        self.trim();
    }

    /// Whether the digits are below those of `5^k` (then `2^k` adds one
    /// digit fewer).
    fn prefix_below_pow5(&self, k: u32) -> bool {
        let mut p = 5u64.pow(k);
        let mut cut = [0u8; 20];
        let mut len = 0usize;
        while p > 0 {
            if let Some(slot) = cut.get_mut(len) {
                *slot = (p % 10) as u8;
            }
            p /= 10;
            len = len.saturating_add(1);
        }
        // `cut[..len]` holds 5^k's digits least significant first.
        for i in 0..len {
            let c = cut
                .get(len.wrapping_sub(1).wrapping_sub(i))
                .copied()
                .unwrap_or(0);
            if i >= self.nd {
                return true;
            }
            let d = self.d.get(i).copied().unwrap_or(0);
            if d != c {
                return d < c;
            }
        }
        false
    }

    /// Multiplies by `2^k`, `k <= MAX_SHIFT`.
    fn left_shift(&mut self, k: u32) {
        // 2^k has `delta` digits; multiplying adds that many, or one fewer.
        let mut delta = 1usize;
        let mut p = 1u64 << k;
        while p >= 10 {
            p /= 10;
            delta = delta.saturating_add(1);
        }
        if self.prefix_below_pow5(k) {
            delta = delta.saturating_sub(1);
        }
        let mut r = self.nd;
        let mut w = self.nd.saturating_add(delta);
        let mut n: u64 = 0;
        // Read digits from the right, shifted; then flush the carry.
        while r > 0 || n > 0 {
            if r > 0 {
                r = r.wrapping_sub(1);
                n = n.wrapping_add(self.digit(r) << k);
            }
            w = w.saturating_sub(1);
            if w < MAX_DIGITS {
                self.set(w, n % 10);
            } else if n % 10 != 0 {
                self.trunc = true;
            }
            n /= 10;
        }
        self.nd = self.nd.saturating_add(delta).min(MAX_DIGITS);
        self.dp = self
            .dp
            .saturating_add(i32::try_from(delta).unwrap_or(i32::MAX));
        self.trim();
    }

    /// Multiplies by `2^k` (`k > 0`) or divides by `2^-k`.
    fn shift(&mut self, k: i32) {
        if self.nd == 0 {
            return;
        }
        let mut left = k.unsigned_abs();
        while left > 0 {
            let step = left.min(MAX_SHIFT);
            if k > 0 {
                self.left_shift(step);
            } else {
                self.right_shift(step);
            }
            left = left.saturating_sub(step);
        }
    }

    /// Whether cutting at `nd` digits should round up (half to even).
    fn should_round_up(&self, nd: usize) -> bool {
        if nd >= self.nd {
            return false;
        }
        let d = self.digit(nd);
        if d == 5 && nd.saturating_add(1) == self.nd {
            // Exactly halfway, unless digits were dropped.
            if self.trunc {
                return true;
            }
            return nd > 0 && self.digit(nd.wrapping_sub(1)) % 2 == 1;
        }
        d >= 5
    }

    /// The integer part, rounded (the value is below 2^54 when called).
    fn rounded_integer(&self) -> u64 {
        if self.dp > 20 {
            return u64::MAX;
        }
        if self.dp < 0 {
            // Below 0.1: rounds to 0.
            return 0;
        }
        let dp = usize::try_from(self.dp).unwrap_or(0);
        let mut n: u64 = 0;
        for i in 0..dp {
            n = n.wrapping_mul(10).wrapping_add(self.digit(i));
        }
        if self.should_round_up(dp) {
            n = n.wrapping_add(1);
        }
        n
    }

    /// The nearest `f64` (ties to even), as (mantissa bits, biased exponent).
    fn float_bits(&mut self) -> (u64, i32) {
        const ZERO: (u64, i32) = (0, 0);
        const INF: (u64, i32) = (0, EXP_INF);
        if self.nd == 0 || self.dp < -330 {
            return ZERO;
        }
        if self.dp > 310 {
            return INF;
        }
        // Scale by powers of two into [1/2, 1). dp is within ±330 and each
        // step moves it by at least one place, so 400 steps always suffice.
        let mut exp: i32 = 0;
        let mut guard = 0u32;
        while self.dp > 0 && guard < 400 {
            let n = usize::try_from(self.dp)
                .ok()
                .and_then(|i| POWTAB.get(i))
                .copied()
                .unwrap_or(MAX_SHIFT);
            let n = i32::try_from(n).unwrap_or(0);
            self.shift(n.saturating_neg());
            exp = exp.saturating_add(n);
            guard = guard.saturating_add(1);
        }
        while (self.dp < 0 || (self.dp == 0 && self.digit(0) < 5)) && self.nd > 0 && guard < 800 {
            let n = usize::try_from(self.dp.unsigned_abs())
                .ok()
                .and_then(|i| POWTAB.get(i))
                .copied()
                .unwrap_or(MAX_SHIFT);
            let n = i32::try_from(n).unwrap_or(0);
            self.shift(n);
            exp = exp.saturating_sub(n);
            guard = guard.saturating_add(1);
        }
        // [1/2, 1) to the float's [1, 2).
        exp = exp.saturating_sub(1);
        // Below the smallest normal exponent: denormalize.
        if exp < BIAS.saturating_add(1) {
            let n = BIAS.saturating_add(1).saturating_sub(exp);
            self.shift(n.saturating_neg());
            exp = exp.saturating_add(n);
        }
        if exp.saturating_sub(BIAS) >= EXP_INF {
            return INF;
        }
        // Take 53 bits.
        self.shift(i32::try_from(MANT_BITS).unwrap_or(52).saturating_add(1));
        let mut mant = self.rounded_integer();
        // Rounding may have carried into a 54th bit.
        if mant == 2u64 << MANT_BITS {
            mant >>= 1;
            exp = exp.saturating_add(1);
            if exp.saturating_sub(BIAS) >= EXP_INF {
                return INF;
            }
        }
        if mant & (1u64 << MANT_BITS) == 0 {
            // Denormal: biased exponent 0.
            return (mant, 0);
        }
        (mant, exp.saturating_sub(BIAS))
    }
}

/// Parses a number in JSON grammar (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`)
/// or one of Python's `NaN`, `Infinity`, `-Infinity` into the nearest `f64`
/// (ties to even; beyond the range, `±inf`; below it, `±0`). Returns `None`
/// for any other text (`.5`, `+1`, `01`, `1.`, spaces).
pub(crate) fn parse(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let (neg, body) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    match body {
        b"NaN" if !neg => return Some(f64::NAN),
        b"Infinity" => {
            return Some(if neg {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            })
        }
        _ => {}
    }
    if !is_json_number(body) {
        return None;
    }
    let mut dec = Decimal {
        d: [0; MAX_DIGITS],
        nd: 0,
        dp: 0,
        trunc: false,
    };
    let mut i = 0usize;
    let mut saw_dot = false;
    let mut saw_digit = false;
    // JSON grammar: digits before a '.' and after it, no leading zero.
    let (mut int_digits, mut frac_digits) = (0usize, 0usize);
    // Significant digits read so far (kept in `d` or dropped past
    // MAX_DIGITS): the decimal point's place, which `nd` alone would
    // understate once digits are dropped.
    let mut sig = 0usize;
    while let Some(&c) = body.get(i) {
        match c {
            b'.' if !saw_dot => {
                if int_digits == 0 {
                    return None;
                }
                saw_dot = true;
                dec.dp = i32::try_from(sig).unwrap_or(i32::MAX);
            }
            b'0'..=b'9' => {
                if saw_dot {
                    frac_digits = frac_digits.saturating_add(1);
                } else if int_digits == 1 && body.first() == Some(&b'0') {
                    return None;
                } else {
                    int_digits = int_digits.saturating_add(1);
                }
                saw_digit = true;
                let v = c.wrapping_sub(b'0');
                if v == 0 && dec.nd == 0 {
                    // A leading zero.
                    dec.dp = dec.dp.saturating_sub(1);
                } else {
                    sig = sig.saturating_add(1);
                    if dec.nd < MAX_DIGITS {
                        dec.set(dec.nd, u64::from(v));
                        dec.nd = dec.nd.saturating_add(1);
                    } else if v != 0 {
                        dec.trunc = true;
                    }
                }
            }
            _ => break,
        }
        i = i.saturating_add(1);
    }
    if !saw_digit || (saw_dot && frac_digits == 0) {
        return None;
    }
    if !saw_dot {
        dec.dp = i32::try_from(sig).unwrap_or(i32::MAX);
    }
    if let Some(&(b'e' | b'E')) = body.get(i) {
        i = i.saturating_add(1);
        let negative_exp = match body.get(i) {
            Some(b'-') => {
                i = i.saturating_add(1);
                true
            }
            Some(b'+') => {
                i = i.saturating_add(1);
                false
            }
            _ => false,
        };
        let mut e: i32 = 0;
        let mut exp_digits = 0usize;
        while let Some(&c) = body.get(i) {
            if !c.is_ascii_digit() {
                break;
            }
            if e < 10_000 {
                e = e
                    .wrapping_mul(10)
                    .wrapping_add(i32::from(c.wrapping_sub(b'0')));
            }
            exp_digits = exp_digits.saturating_add(1);
            i = i.saturating_add(1);
        }
        if exp_digits == 0 {
            return None;
        }
        dec.dp = if negative_exp {
            dec.dp.saturating_sub(e)
        } else {
            dec.dp.saturating_add(e)
        };
    }
    if i != body.len() {
        return None;
    }
    dec.trim();

    let magnitude = fast_path(&dec).unwrap_or_else(|| {
        let (mant, exp) = dec.float_bits();
        let bits = (mant & ((1u64 << MANT_BITS).wrapping_sub(1)))
            | ((u64::from(exp.unsigned_abs()) & 0x7FF) << MANT_BITS);
        f64::from_bits(bits)
    });
    Some(if neg { -magnitude } else { magnitude })
}

/// Whether `b` (after an optional `-`) is `(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn is_json_number(b: &[u8]) -> bool {
    let digits = |from: usize| {
        b.get(from..)
            .unwrap_or(&[])
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    let mut i = match b.first() {
        Some(b'0') => 1,
        Some(b'1'..=b'9') => digits(0),
        _ => return false,
    };
    if b.get(i) == Some(&b'.') {
        let n = digits(i.saturating_add(1));
        if n == 0 {
            return false;
        }
        i = i.saturating_add(1).saturating_add(n);
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i = i.saturating_add(1);
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i = i.saturating_add(1);
        }
        let n = digits(i);
        if n == 0 {
            return false;
        }
        i = i.saturating_add(n);
    }
    i == b.len()
}

/// Clinger's fast path: at most 15 digits (so the mantissa is exact and
/// below 2^53) and a power of ten that is exact in `f64`.
fn fast_path(dec: &Decimal) -> Option<f64> {
    if dec.trunc || dec.nd > 15 {
        return None;
    }
    if dec.nd == 0 {
        return Some(0.0);
    }
    let mut m: u64 = 0;
    for i in 0..dec.nd {
        m = m.wrapping_mul(10).wrapping_add(dec.digit(i));
    }
    // value = m * 10^(dp - nd)
    let e10 = dec
        .dp
        .saturating_sub(i32::try_from(dec.nd).unwrap_or(i32::MAX));
    let p = POW10
        .get(usize::try_from(e10.unsigned_abs()).ok()?)
        .copied()?;
    let m = m as f64; // exact: m < 10^15 < 2^53
    Some(if e10 >= 0 { m * p } else { m / p })
}
