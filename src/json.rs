//! The JSON reader behind the VCBN header, and the writer of Python-exact floats.
//!
//! # The reader
//!
//! [`Reader`] is a pull tokenizer over a `&str`. It allocates nothing and does
//! not recurse: nesting is tracked in a fixed 256-bit stack, so
//! 100,000 levels of `[` cost no stack and end in [`Error::JsonTooDeep`] at
//! the configured depth. Every error carries the byte offset it happened at.
//! Numbers are handed out as their source text ([`Number`]), so callers choose
//! between an exact integer reading ([`Number::to_u64`]) and a correctly
//! rounded `f64` ([`Number::to_f64`]); a number longer than
//! [`MAX_NUMBER_LEN`] is refused.
//!
//! It accepts what Python's `json.loads` accepts, and no more except for one
//! thing: Python's `json.dumps` writes `NaN`, `Infinity` and `-Infinity` for
//! non-finite floats, and `json.loads` reads them back, so this reader does too
//! (as [`Token::Number`]). That keeps frames from Python servers readable
//! even in that corner.
//!
//! Why hand-written: the VCBN header needs a reader that is `no_std`,
//! allocation-free, bounded in nesting at a *runtime* limit, iterative, and
//! reports offsets. `serde-json-core` recurses while skipping unknown values
//! (unbounded stack on hostile input) and has no depth limit; `picojson` fixes
//! its depth at compile time and its errors carry no position. The grammar is
//! small enough that a reader built for these needs, with the crate's
//! panic-free lints applied, is the safer choice.
//!
//! # The float writer
//!
//! [`write_f64`] writes a `f64` exactly as Python's `repr(float)` (and hence
//! `json.dumps`) does. The shortest round-trip digits come from Ryū (the
//! `ryu` crate, which links with no panic path, unlike `core`'s `{:e}`); only
//! the layout (fixed or exponent, `.0`, two-digit signed exponent) is done
//! here.

use core::fmt::{self, Write};

use crate::Error;

/// The default nesting limit for header JSON (objects and arrays).
///
/// The canonical VCBN header nests 2 deep; 32 leaves ample room for metadata
/// in unknown keys.
pub const DEFAULT_MAX_DEPTH: u32 = 32;

/// The largest nesting limit a [`Reader`] supports; larger requests are
/// clamped to it. (The nesting stack is a fixed 32-byte bitmap.)
pub const MAX_DEPTH_CAP: u32 = 256;

/// The longest number token, in bytes, the reader accepts. Python's `repr` of
/// a `float` is at most 24 characters; 512 leaves room for writers that print
/// with `%f` and the like.
pub const MAX_NUMBER_LEN: usize = 512;

/// One JSON token.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Token<'a> {
    /// `{`
    BeginObject,
    /// `}`
    EndObject,
    /// `[`
    BeginArray,
    /// `]`
    EndArray,
    /// An object key.
    Key(Str<'a>),
    /// A string value.
    String(Str<'a>),
    /// A number value (including Python's `NaN`, `Infinity`, `-Infinity`).
    Number(Number<'a>),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
}

/// A token with the offset of its first byte.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Item<'a> {
    /// Offset of the token's first byte in the reader's input.
    pub offset: usize,
    /// The token.
    pub token: Token<'a>,
}

/// A JSON string as it appears between its quotes; escapes are validated but
/// not yet decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Str<'a> {
    raw: &'a str,
}

impl<'a> Str<'a> {
    /// The text between the quotes, escapes undecoded.
    pub fn raw(&self) -> &'a str {
        self.raw
    }

    /// The string itself when it holds no escapes (zero-copy).
    pub fn as_plain(&self) -> Option<&'a str> {
        if self.raw.contains('\\') {
            None
        } else {
            Some(self.raw)
        }
    }

    /// The decoded characters. A `\u` escape of a lone surrogate (which Python
    /// accepts) decodes to U+FFFD.
    pub fn chars(&self) -> Chars<'a> {
        Chars {
            inner: self.raw.chars(),
        }
    }

    /// Whether the decoded string equals `s`.
    pub fn eq_str(&self, s: &str) -> bool {
        match self.as_plain() {
            Some(plain) => plain == s,
            None => self.chars().eq(s.chars()),
        }
    }
}

/// Iterator over the decoded characters of a [`Str`].
#[derive(Debug, Clone)]
pub struct Chars<'a> {
    inner: core::str::Chars<'a>,
}

#[cfg(feature = "defmt")]
impl defmt::Format for Chars<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "json::Chars {{ raw_rest: {=str} }}", self.inner.as_str())
    }
}

impl Chars<'_> {
    fn hex4(&mut self) -> Option<u32> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = self.inner.next()?.to_digit(16)?;
            v = (v << 4) | d;
        }
        Some(v)
    }
}

impl Iterator for Chars<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        let c = self.inner.next()?;
        if c != '\\' {
            return Some(c);
        }
        let decoded = match self.inner.next()? {
            '"' => '"',
            '\\' => '\\',
            '/' => '/',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => {
                let hi = self.hex4()?;
                if (0xD800..0xDC00).contains(&hi) {
                    // A high surrogate: combine with a following low one.
                    let mut look = self.inner.clone();
                    if look.next() == Some('\\') && look.next() == Some('u') {
                        let mut ahead = Chars { inner: look };
                        if let Some(lo) = ahead.hex4() {
                            if (0xDC00..0xE000).contains(&lo) {
                                self.inner = ahead.inner;
                                let cp =
                                    0x10000u32.wrapping_add(((hi & 0x3FF) << 10) | (lo & 0x3FF));
                                return Some(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                            }
                        }
                    }
                    '\u{FFFD}'
                } else {
                    char::from_u32(hi).unwrap_or('\u{FFFD}')
                }
            }
            // The reader validated every escape; anything else cannot occur.
            _ => '\u{FFFD}',
        };
        Some(decoded)
    }
}

/// A JSON number token, kept as its source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Number<'a> {
    text: &'a str,
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
    pub fn as_str(&self) -> &'a str {
        self.text
    }

    /// The value as the nearest `f64` (correctly rounded, as Python's
    /// `float()` reads it; `NaN`/`Infinity` map to themselves, and a literal
    /// beyond the `f64` range to `±inf`).
    pub fn to_f64(&self) -> f64 {
        // The reader only produces JSON number grammar or Python's three
        // non-finite literals, all of which the parser takes.
        crate::decimal::parse(self.text).unwrap_or(f64::NAN)
    }

    /// The value as an exact non-negative integer, whatever its JSON form:
    /// `4096`, `4096.0`, `4.096e3` and `-0` are all integers; `4096.5` is not.
    /// Decided on the decimal text, not through `f64`, so no rounding occurs.
    pub fn to_u64(&self) -> Result<u64, IntError> {
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
/// and `json.loads` read it. Any length is accepted here (the [`Reader`]
/// limits tokens to [`MAX_NUMBER_LEN`]). `None` if `text` is not such a number.
///
/// ```
/// use framewire::json::parse_number;
/// assert_eq!(parse_number("0.1"), Some(0.1));
/// assert_eq!(parse_number("1e400"), Some(f64::INFINITY));
/// assert_eq!(parse_number("0x10"), None);
/// ```
pub fn parse_number(text: &str) -> Option<f64> {
    crate::decimal::parse(text)
}

/// Parses `[+-]digits` saturating at ±`i64::MAX / 2` (far beyond any
/// meaningful exponent, and small enough that adding a length cannot wrap).
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
        v.saturating_neg()
    } else {
        v
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A value (document start, after `:` or after `,` in an array).
    Value,
    /// A value or `]` (just after `[`).
    ValueOrEnd,
    /// A key (after `,` in an object).
    Key,
    /// A key or `}` (just after `{`).
    KeyOrEnd,
    /// `:` after a key.
    Colon,
    /// `,` or the closing bracket of the current container.
    CommaOrEnd,
    /// The root value is complete; only whitespace may follow.
    Done,
}

/// A pull tokenizer over one JSON document. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    src: &'a str,
    pos: usize,
    depth: u32,
    max_depth: u32,
    /// One bit per open container, 1 = object.
    stack: [u8; 32],
    expect: Expect,
}

#[cfg(feature = "defmt")]
impl defmt::Format for Reader<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "json::Reader {{ position: {=usize}, len: {=usize}, depth: {=u32}, max_depth: {=u32} }}",
            self.pos,
            self.src.len(),
            self.depth,
            self.max_depth
        )
    }
}

fn syntax(offset: usize, expected: &'static str) -> Error {
    Error::JsonSyntax {
        offset: offset as u64,
        expected,
    }
}

impl<'a> Reader<'a> {
    /// A reader over `src` that refuses nesting deeper than `max_depth`
    /// (clamped to [`MAX_DEPTH_CAP`]).
    pub fn new(src: &'a str, max_depth: u32) -> Self {
        Reader {
            src,
            pos: 0,
            depth: 0,
            max_depth: max_depth.min(MAX_DEPTH_CAP),
            stack: [0; 32],
            expect: Expect::Value,
        }
    }

    /// Offset of the next unread byte.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// How many containers are open.
    pub fn depth(&self) -> u32 {
        self.depth
    }

    /// The input.
    pub fn source(&self) -> &'a str {
        self.src
    }

    fn rest(&self) -> &'a [u8] {
        self.src.as_bytes().get(self.pos..).unwrap_or(&[])
    }

    fn peek(&self) -> Option<u8> {
        self.src.as_bytes().get(self.pos).copied()
    }

    fn bump(&mut self, n: usize) {
        self.pos = self.pos.saturating_add(n).min(self.src.len());
    }

    fn skip_ws(&mut self) {
        let n = self
            .rest()
            .iter()
            .take_while(|&&b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
            .count();
        self.bump(n);
    }

    fn in_object(&self) -> bool {
        let Some(level) = self.depth.checked_sub(1) else {
            return false;
        };
        let byte = self.stack.get((level >> 3) as usize).copied().unwrap_or(0);
        byte & (1u8 << (level & 7)) != 0
    }

    fn push(&mut self, offset: usize, object: bool) -> Result<(), Error> {
        if self.depth >= self.max_depth {
            return Err(Error::JsonTooDeep {
                offset: offset as u64,
                limit: self.max_depth,
            });
        }
        let level = self.depth;
        if let Some(byte) = self.stack.get_mut((level >> 3) as usize) {
            let mask = 1u8 << (level & 7);
            if object {
                *byte |= mask;
            } else {
                *byte &= !mask;
            }
        }
        self.depth = self.depth.saturating_add(1);
        Ok(())
    }

    fn after_value(&mut self) {
        self.expect = if self.depth == 0 {
            Expect::Done
        } else {
            Expect::CommaOrEnd
        };
    }

    fn close(&mut self, offset: usize, token: Token<'a>) -> Result<Option<Item<'a>>, Error> {
        self.bump(1);
        self.depth = self.depth.saturating_sub(1);
        self.after_value();
        Ok(Some(Item { offset, token }))
    }

    /// The next token, `Ok(None)` once the document is complete, or the first
    /// error. After an error the reader should not be used further.
    #[allow(clippy::should_implement_trait)] // fallible, so not an Iterator
    pub fn next(&mut self) -> Result<Option<Item<'a>>, Error> {
        loop {
            self.skip_ws();
            let start = self.pos;
            let Some(b) = self.peek() else {
                return match self.expect {
                    Expect::Done => Ok(None),
                    Expect::Value | Expect::ValueOrEnd => Err(syntax(start, "a value")),
                    Expect::Key | Expect::KeyOrEnd => Err(syntax(start, "a key")),
                    Expect::Colon => Err(syntax(start, "':'")),
                    Expect::CommaOrEnd => Err(syntax(start, "',' or a closing bracket")),
                };
            };
            match self.expect {
                Expect::Done => return Err(syntax(start, "the end of the JSON text")),
                Expect::Colon => {
                    if b != b':' {
                        return Err(syntax(start, "':'"));
                    }
                    self.bump(1);
                    self.expect = Expect::Value;
                }
                Expect::CommaOrEnd => {
                    let object = self.in_object();
                    match b {
                        b',' => {
                            self.bump(1);
                            self.expect = if object { Expect::Key } else { Expect::Value };
                        }
                        b'}' if object => return self.close(start, Token::EndObject),
                        b']' if !object => return self.close(start, Token::EndArray),
                        _ if object => return Err(syntax(start, "',' or '}'")),
                        _ => return Err(syntax(start, "',' or ']'")),
                    }
                }
                Expect::KeyOrEnd | Expect::Key => {
                    if b == b'}' && self.expect == Expect::KeyOrEnd {
                        return self.close(start, Token::EndObject);
                    }
                    if b != b'"' {
                        return Err(syntax(start, "a string key"));
                    }
                    let s = self.string()?;
                    self.expect = Expect::Colon;
                    return Ok(Some(Item {
                        offset: start,
                        token: Token::Key(s),
                    }));
                }
                Expect::ValueOrEnd if b == b']' => return self.close(start, Token::EndArray),
                Expect::Value | Expect::ValueOrEnd => {
                    let token = self.value(start, b)?;
                    return Ok(Some(Item {
                        offset: start,
                        token,
                    }));
                }
            }
        }
    }

    fn value(&mut self, start: usize, b: u8) -> Result<Token<'a>, Error> {
        let token = match b {
            b'{' => {
                self.push(start, true)?;
                self.bump(1);
                self.expect = Expect::KeyOrEnd;
                return Ok(Token::BeginObject);
            }
            b'[' => {
                self.push(start, false)?;
                self.bump(1);
                self.expect = Expect::ValueOrEnd;
                return Ok(Token::BeginArray);
            }
            b'"' => Token::String(self.string()?),
            b'-' | b'0'..=b'9' | b'N' | b'I' => Token::Number(self.number()?),
            b't' => self.literal(b"true", Token::Bool(true))?,
            b'f' => self.literal(b"false", Token::Bool(false))?,
            b'n' => self.literal(b"null", Token::Null)?,
            _ => return Err(syntax(start, "a value")),
        };
        self.after_value();
        Ok(token)
    }

    fn literal(&mut self, word: &[u8], token: Token<'a>) -> Result<Token<'a>, Error> {
        if !self.rest().starts_with(word) {
            return Err(syntax(self.pos, "a value"));
        }
        self.bump(word.len());
        Ok(token)
    }

    /// Lexes a string starting at its opening quote; returns its contents.
    fn string(&mut self) -> Result<Str<'a>, Error> {
        let open = self.pos;
        self.bump(1);
        let body_start = self.pos;
        loop {
            let at = self.pos;
            let Some(b) = self.peek() else {
                return Err(syntax(at, "'\"' to close the string"));
            };
            match b {
                b'"' => {
                    let raw = self
                        .src
                        .get(body_start..at)
                        .ok_or(syntax(open, "a string"))?;
                    self.bump(1);
                    return Ok(Str { raw });
                }
                b'\\' => {
                    self.bump(1);
                    match self.peek() {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                            self.bump(1)
                        }
                        Some(b'u') => {
                            self.bump(1);
                            let hex = self.rest().get(..4).unwrap_or(&[]);
                            if hex.len() != 4 || !hex.iter().all(u8::is_ascii_hexdigit) {
                                return Err(syntax(self.pos, "four hex digits after \\u"));
                            }
                            self.bump(4);
                        }
                        _ => return Err(syntax(self.pos, "a valid escape after '\\'")),
                    }
                }
                0x00..=0x1F => return Err(syntax(at, "no control characters inside a string")),
                _ => {
                    // Skip a run of ordinary bytes at once.
                    let n = self
                        .rest()
                        .iter()
                        .take_while(|&&c| c != b'"' && c != b'\\' && c >= 0x20)
                        .count();
                    self.bump(n);
                }
            }
        }
    }

    /// Lexes a number (JSON grammar, plus `NaN`, `Infinity`, `-Infinity`).
    fn number(&mut self) -> Result<Number<'a>, Error> {
        let start = self.pos;
        let too_long = || Error::JsonNumberTooLong {
            offset: start as u64,
            limit: MAX_NUMBER_LEN as u32,
        };
        let rest = self.rest();
        for word in ["NaN", "Infinity", "-Infinity"] {
            if rest.starts_with(word.as_bytes()) {
                self.bump(word.len());
                return Ok(Number { text: word });
            }
        }
        let bytes = rest;
        let mut i = 0usize;
        let at = |i: usize| bytes.get(i).copied();
        let digits_from = |i: usize| -> usize {
            bytes
                .get(i..)
                .unwrap_or(&[])
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count()
        };
        if at(i) == Some(b'-') {
            i = i.saturating_add(1);
        }
        match at(i) {
            Some(b'0') => i = i.saturating_add(1),
            Some(b'1'..=b'9') => i = i.saturating_add(digits_from(i)),
            _ => return Err(syntax(start.saturating_add(i), "a digit")),
        }
        if i > MAX_NUMBER_LEN {
            return Err(too_long());
        }
        if at(i) == Some(b'.') {
            i = i.saturating_add(1);
            let n = digits_from(i);
            if n == 0 {
                return Err(syntax(start.saturating_add(i), "a digit after '.'"));
            }
            i = i.saturating_add(n);
        }
        if matches!(at(i), Some(b'e' | b'E')) {
            i = i.saturating_add(1);
            if matches!(at(i), Some(b'+' | b'-')) {
                i = i.saturating_add(1);
            }
            let n = digits_from(i);
            if n == 0 {
                return Err(syntax(start.saturating_add(i), "a digit in the exponent"));
            }
            i = i.saturating_add(n);
        }
        if i > MAX_NUMBER_LEN {
            return Err(too_long());
        }
        let end = start.saturating_add(i);
        let text = self.src.get(start..end).ok_or(syntax(start, "a number"))?;
        self.bump(i);
        Ok(Number { text })
    }

    /// Skips the value that comes next (call it right after a [`Token::Key`]
    /// or where an array element is due) and returns its byte span
    /// `(start, end)` in the input. Iterative: deep values cost no stack.
    pub fn skip_value(&mut self) -> Result<(usize, usize), Error> {
        let base = self.depth;
        let first = self.next()?.ok_or(syntax(self.pos, "a value"))?;
        if matches!(
            first.token,
            Token::EndObject | Token::EndArray | Token::Key(_)
        ) {
            return Err(syntax(first.offset, "a value"));
        }
        while self.depth > base {
            if self.next()?.is_none() {
                return Err(syntax(self.pos, "a closing bracket"));
            }
        }
        Ok((first.offset, self.pos))
    }

    /// Checks that nothing but whitespace follows the root value.
    pub fn finish(&mut self) -> Result<(), Error> {
        match self.next()? {
            None => Ok(()),
            Some(item) => Err(syntax(item.offset, "the end of the JSON text")),
        }
    }
}

/// Writes `v` in decimal, at least `min_digits` digits (zero-padded).
/// Hand-rolled so the encoders never reach `core`'s integer formatting,
/// whose bounds checks are a panic path the optimizer keeps.
pub(crate) fn write_u64<W: Write>(w: &mut W, mut v: u64, min_digits: usize) -> fmt::Result {
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

/// Writes `x` exactly as Python's `repr(float)` does (and therefore as
/// `json.dumps` writes a `float`): shortest round-trip digits, `.0` on
/// integral values, exponent form (`1e-05`, `1.5e+16`) below `1e-4` or from
/// `1e16` in magnitude. Non-finite values are written as Python's `json`
/// writes them: `NaN`, `Infinity`, `-Infinity`.
///
/// The digits come from Ryū (the `ryu` crate): the shortest that round-trip,
/// the closest of those, ties to even, as Python's dtoa chooses; this
/// function only lays them out as Python does.
pub fn write_f64<W: Write>(w: &mut W, x: f64) -> fmt::Result {
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
        write_u64(w, exp.unsigned_abs(), 2)
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

/// Writes `s` as a JSON string literal with the escapes Python's `json.dumps`
/// uses by default (`ensure_ascii=True`: non-ASCII as `\uXXXX`).
pub fn write_str<W: Write>(w: &mut W, s: &str) -> fmt::Result {
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
