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

mod header;
mod number;
mod write;

use crate::Error;

pub(crate) use header::{
    expect_number, expect_str, next_value, read_header_object, read_order, read_shape,
};
pub use number::{parse_number, IntError, Number};
pub(crate) use write::write_u64;
pub use write::{write_f64, write_str};

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

    /// The next token, `None` once the document is complete, or the first
    /// error (`Option<Result<..>>`, the convention of every pull API in this
    /// crate). After an error the reader should not be used further.
    #[allow(clippy::should_implement_trait)] // kept inherent, beside `position` and `depth`
    pub fn next(&mut self) -> Option<Result<Item<'a>, Error>> {
        self.next_token().transpose()
    }

    fn next_token(&mut self) -> Result<Option<Item<'a>>, Error> {
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
        let first = self.next_token()?.ok_or(syntax(self.pos, "a value"))?;
        if matches!(
            first.token,
            Token::EndObject | Token::EndArray | Token::Key(_)
        ) {
            return Err(syntax(first.offset, "a value"));
        }
        while self.depth > base {
            if self.next_token()?.is_none() {
                return Err(syntax(self.pos, "a closing bracket"));
            }
        }
        Ok((first.offset, self.pos))
    }

    /// Checks that nothing but whitespace follows the root value.
    pub fn finish(&mut self) -> Result<(), Error> {
        match self.next_token()? {
            None => Ok(()),
            Some(item) => Err(syntax(item.offset, "the end of the JSON text")),
        }
    }
}
