//! A JSON 2-D list of numbers (`[[1, 2.5, null], ...]`), parsed as its bytes
//! arrive, straight into one flat row-major buffer.
//!
//! `serde_json` would first build a `Vec<Vec<Option<f64>>>` (a vector per
//! row, 16 bytes per value: about 30 times the body for `0,0,0,...`); this
//! state machine keeps 4 bytes per value (8 once a value needs f64, see
//! [`Flat`]) and never holds the body. It reads
//! exactly JSON's grammar for this shape: numbers as RFC 8259 writes them,
//! `null` (read as NaN, as NumPy reads `None`), whitespace, and nothing else.
//!
//! The list may also come wrapped as imgpack's demo posts it,
//! `{"data": [[...]]}`: an object with the one key `data` (written without
//! escapes) around the same list.

/// Where the parser is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum St {
    /// Before the outer `[`.
    Start,
    /// After the outer `[`: a row or `]`.
    OuterOpen,
    /// After a `,` between rows: a row.
    OuterNext,
    /// After a row's `[`: a value or `]`.
    RowOpen,
    /// After a `,` in a row: a value.
    RowNext,
    /// After a value: `,` or `]`.
    AfterValue,
    /// After a row's `]`: `,` or `]`.
    AfterRow,
    /// After the outer `]`: whitespace only.
    Done,
    /// In a number (its bytes in `number`).
    Number,
    /// In `null`, this many letters matched.
    Null(u8),
    /// After a wrapping object's `{`: its key's opening `"`.
    WrapOpen,
    /// In the wrapping object's key, this many bytes of `data"` matched.
    WrapKey(u8),
    /// After the key: `:`.
    WrapColon,
    /// After the wrapped list: the object's `}`.
    WrapClose,
}

/// The values, row-major: f32 while every value is exactly an f32 (NaN
/// included), f64 from the first that is not (the f32s converted, exactly).
/// The array kept on show then takes half the memory in the common case,
/// and no encoder can tell the difference.
#[derive(Debug, PartialEq)]
pub enum Flat {
    /// Every value is exactly an f32.
    F32(Vec<f32>),
    /// Some value is not.
    F64(Vec<f64>),
}

impl Flat {
    fn len(&self) -> usize {
        match self {
            Flat::F32(v) => v.len(),
            Flat::F64(v) => v.len(),
        }
    }

    fn push(&mut self, x: f64) {
        match self {
            Flat::F32(v) if x.is_nan() || f64::from(x as f32) == x => v.push(x as f32),
            Flat::F32(v) => {
                let mut wide: Vec<f64> = Vec::with_capacity(v.capacity().max(v.len() + 1));
                wide.extend(v.iter().map(|&y| f64::from(y)));
                wide.push(x);
                *self = Flat::F64(wide);
            }
            Flat::F64(v) => v.push(x),
        }
    }

    /// The values as f64 (for tests).
    #[cfg(test)]
    fn to_f64(&self) -> Vec<f64> {
        match self {
            Flat::F32(v) => v.iter().map(|&y| f64::from(y)).collect(),
            Flat::F64(v) => v.clone(),
        }
    }
}

/// The longest number accepted, in bytes.
const MAX_NUMBER: usize = 64;

/// The parser: feed it the body's chunks, then [`Parser::finish`].
pub struct Parser {
    st: St,
    values: Flat,
    width: usize,
    rows: usize,
    in_row: usize,
    number: Vec<u8>,
    offset: u64,
    max_values: u64,
    /// Whether the list is wrapped as `{"data": ...}`.
    wrapped: bool,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn shown(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("'{}'", char::from(b))
    } else {
        format!("byte 0x{b:02x}")
    }
}

/// Whether `s` is a number as JSON writes it: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn json_number(s: &[u8]) -> bool {
    let digits = |s: &[u8]| s.iter().take_while(|b| b.is_ascii_digit()).count();
    let s = s.strip_prefix(b"-").unwrap_or(s);
    let int = digits(s);
    if int == 0 || (int > 1 && s.first() == Some(&b'0')) {
        return false;
    }
    let mut rest = s.get(int..).unwrap_or_default();
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = digits(frac);
        if n == 0 {
            return false;
        }
        rest = frac.get(n..).unwrap_or_default();
    }
    if let Some(exp) = rest.strip_prefix(b"e").or_else(|| rest.strip_prefix(b"E")) {
        let exp = exp
            .strip_prefix(b"+")
            .or_else(|| exp.strip_prefix(b"-"))
            .unwrap_or(exp);
        let n = digits(exp);
        if n == 0 {
            return false;
        }
        rest = exp.get(n..).unwrap_or_default();
    }
    rest.is_empty()
}

impl Parser {
    /// A parser that refuses arrays of more than `max_values` values.
    pub fn new(max_values: u64) -> Parser {
        Parser {
            st: St::Start,
            values: Flat::F32(Vec::new()),
            width: 0,
            rows: 0,
            in_row: 0,
            number: Vec::with_capacity(MAX_NUMBER),
            offset: 0,
            max_values,
            wrapped: false,
        }
    }

    fn fail(&self, what: impl std::fmt::Display) -> String {
        format!(
            "body is not a JSON 2-D list of numbers: {what} at byte {}",
            self.offset
        )
    }

    fn push(&mut self, v: f64) -> Result<(), String> {
        // A row longer than the first is refused when it ends (with its
        // length); its extra values are not kept.
        if self.rows == 0 || self.in_row < self.width {
            if self.values.len() as u64 >= self.max_values {
                return Err(format!(
                    "the array is too large: more than {} values",
                    self.max_values
                ));
            }
            self.values.push(v);
        }
        self.in_row = self.in_row.saturating_add(1);
        self.st = St::AfterValue;
        Ok(())
    }

    fn end_number(&mut self) -> Result<(), String> {
        let ok = json_number(&self.number);
        let text = std::str::from_utf8(&self.number).unwrap_or("");
        let v = text.parse::<f64>().ok().filter(|v| ok && v.is_finite());
        let Some(v) = v else {
            let what = if ok {
                "number out of range"
            } else {
                "invalid number"
            };
            return Err(self.fail(format_args!("{what} {text:?}")));
        };
        self.number.clear();
        self.push(v)
    }

    fn end_row(&mut self) -> Result<(), String> {
        if self.rows == 0 {
            self.width = self.in_row;
        } else if self.in_row != self.width {
            return Err(format!(
                "ragged rows: row {} has {} values but row 0 has {}",
                self.rows, self.in_row, self.width
            ));
        }
        self.rows = self.rows.saturating_add(1);
        self.in_row = 0;
        self.st = St::AfterRow;
        Ok(())
    }

    fn value(&mut self, b: u8) -> Result<(), String> {
        match b {
            b'-' | b'0'..=b'9' => {
                self.number.push(b);
                self.st = St::Number;
                Ok(())
            }
            b'n' => {
                self.st = St::Null(1);
                Ok(())
            }
            b'[' => Err(self.fail("a list nested deeper than 2-D")),
            _ => Err(self.fail(format_args!(
                "expected a number or null, found {}",
                shown(b)
            ))),
        }
    }

    fn byte(&mut self, b: u8) -> Result<(), String> {
        match self.st {
            St::Number => {
                if b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-') {
                    if self.number.len() >= MAX_NUMBER {
                        return Err(self.fail("a number too long"));
                    }
                    self.number.push(b);
                    return Ok(());
                }
                self.end_number()?;
                return self.byte(b);
            }
            St::WrapKey(k) => {
                if b"data\"".get(usize::from(k)) != Some(&b) {
                    return Err(self.fail(
                        "expected the key \"data\" (an object body is {\"data\": [[...]]})",
                    ));
                }
                self.st = if k == 4 {
                    St::WrapColon
                } else {
                    St::WrapKey(k + 1)
                };
                return Ok(());
            }
            St::Null(k) => {
                let want = b"null".get(usize::from(k)).copied();
                if want != Some(b) {
                    return Err(self.fail(format_args!("expected null, found {}", shown(b))));
                }
                if k == 3 {
                    return self.push(f64::NAN);
                }
                self.st = St::Null(k + 1);
                return Ok(());
            }
            _ => {}
        }
        if is_ws(b) {
            return Ok(());
        }
        // The end of the list: the end of the body, or of the wrapping object.
        let end = if self.wrapped {
            St::WrapClose
        } else {
            St::Done
        };
        match (self.st, b) {
            (St::Start, b'{') if !self.wrapped => {
                self.wrapped = true;
                self.st = St::WrapOpen;
            }
            (St::WrapOpen, b'"') => self.st = St::WrapKey(0),
            (St::WrapOpen, _) => {
                return Err(self.fail(format_args!(
                    "expected the key \"data\" (an object body is {{\"data\": [[...]]}}), found {}",
                    shown(b)
                )))
            }
            (St::WrapColon, b':') => self.st = St::Start,
            (St::WrapColon, _) => {
                return Err(self.fail(format_args!("expected ':', found {}", shown(b))))
            }
            (St::WrapClose, b'}') => self.st = St::Done,
            (St::WrapClose, _) => {
                return Err(self.fail(format_args!(
                    "expected '}}' (the object holds only \"data\"), found {}",
                    shown(b)
                )))
            }
            (St::Start, b'[') => self.st = St::OuterOpen,
            (St::Start, _) => {
                return Err(self.fail(format_args!("expected '[', found {}", shown(b))))
            }
            (St::OuterOpen | St::OuterNext, b'[') => self.st = St::RowOpen,
            (St::OuterOpen, b']') => self.st = end,
            (St::OuterOpen | St::OuterNext, _) => {
                return Err(self.fail(format_args!("expected a row '[', found {}", shown(b))))
            }
            (St::RowOpen, b']') => self.end_row()?,
            (St::RowOpen | St::RowNext, _) => self.value(b)?,
            (St::AfterValue, b',') => self.st = St::RowNext,
            (St::AfterValue, b']') => self.end_row()?,
            (St::AfterRow, b',') => self.st = St::OuterNext,
            (St::AfterRow, b']') => self.st = end,
            (St::AfterValue | St::AfterRow, _) => {
                return Err(self.fail(format_args!("expected ',' or ']', found {}", shown(b))))
            }
            (St::Done, _) => {
                return Err(self.fail(format_args!("trailing characters ({})", shown(b))))
            }
            (St::Number | St::Null(_) | St::WrapKey(_), _) => {}
        }
        Ok(())
    }

    /// Whether nothing but whitespace has been read.
    pub fn is_blank(&self) -> bool {
        self.st == St::Start && !self.wrapped
    }

    /// Parses the next chunk of the body.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), String> {
        for &b in chunk {
            self.byte(b)?;
            self.offset = self.offset.saturating_add(1);
        }
        Ok(())
    }

    /// The end of the body: `(rows, width)` and the values, row-major.
    pub fn finish(mut self) -> Result<((usize, usize), Flat), String> {
        if self.st == St::Number {
            self.end_number()?;
        }
        if self.st != St::Done {
            return Err(self.fail("unexpected end of input (EOF)"));
        }
        Ok(((self.rows, self.width), self.values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<((usize, usize), Vec<f64>), String> {
        let mut p = Parser::new(100);
        // One byte at a time: tokens split across chunks.
        for b in s.as_bytes() {
            p.feed(std::slice::from_ref(b))?;
        }
        p.finish().map(|(shape, v)| (shape, v.to_f64()))
    }

    #[test]
    fn f32_while_exact() {
        let flat = |s: &str| {
            let mut p = Parser::new(100);
            p.feed(s.as_bytes()).unwrap();
            p.finish().unwrap().1
        };
        assert_eq!(
            flat("[[0, 1.5, -2, 9.5367431640625e-7]]"),
            Flat::F32(vec![0.0, 1.5, -2.0, 9.536_743e-7])
        );
        assert!(matches!(flat("[[null]]"), Flat::F32(_)));
        // 0.1 is no f32: from there on f64, the earlier values exact.
        assert_eq!(flat("[[0.5, 0.1, 2]]"), Flat::F64(vec![0.5, 0.1, 2.0]));
        assert_eq!(flat("[[1e300]]"), Flat::F64(vec![1e300]));
    }

    #[test]
    fn arrays() {
        let ((h, w), v) = parse(" [[1, -2.5e1, null],\n [0, 3E+0, -0.0]] ").unwrap();
        assert_eq!((h, w), (2, 3));
        assert_eq!(v[..2], [1.0, -25.0]);
        assert!(v[2].is_nan());
        assert_eq!(v[3..], [0.0, 3.0, -0.0]);
        assert_eq!(parse("[]").unwrap().0, (0, 0));
        assert_eq!(parse("[[],[]]").unwrap().0, (2, 0));
        assert_eq!(parse("[[7]]").unwrap().1, [7.0]);
        // imgpack's body: the same list as {"data": ...}.
        let ((h, w), v) = parse(" { \"data\" :\n[[1, 2], [3, null]] } ").unwrap();
        assert_eq!((h, w), (2, 2));
        assert_eq!(v[..3], [1.0, 2.0, 3.0]);
        assert!(v[3].is_nan());
        assert_eq!(parse("{\"data\":[]}").unwrap().0, (0, 0));
    }

    #[test]
    fn refusals() {
        for (body, reason) in [
            (
                "[[1,2],[3]]",
                "ragged rows: row 1 has 1 values but row 0 has 2",
            ),
            (
                "[[1],[2,3,4]]",
                "ragged rows: row 1 has 3 values but row 0 has 1",
            ),
            (
                "[[1,\"x\"]]",
                "expected a number or null, found '\"' at byte 4",
            ),
            ("{\"a\":1}", "expected the key \"data\""),
            (
                "{\"data\":[[1]],\"vmin\":0}",
                "expected '}' (the object holds only \"data\"), found ','",
            ),
            ("{\"data\" [[1]]}", "expected ':', found '['"),
            ("{\"data\":[[1]]", "unexpected end of input (EOF)"),
            ("{\"data\":", "unexpected end of input (EOF)"),
            ("{\"data\":{\"data\":[[1]]}}", "expected '[', found '{'"),
            ("{}", "expected the key \"data\""),
            ("[[1]]}", "trailing characters"),
            ("[[1,2],[3,4]", "unexpected end of input (EOF)"),
            ("[[NaN]]", "expected a number or null, found 'N'"),
            ("[[01]]", "invalid number \"01\""),
            ("[[1.]]", "invalid number \"1.\""),
            ("[[1e999]]", "number out of range"),
            ("[[1,]]", "expected a number or null, found ']'"),
            ("[[[1]]]", "nested deeper than 2-D"),
            ("[[1]] x", "trailing characters"),
            ("[[nul]]", "expected null, found ']'"),
            ("[1]", "expected a row '['"),
        ] {
            let e = parse(body).unwrap_err();
            assert!(e.contains(reason), "{body}: {e}");
        }
        let e = parse(&format!("[[{}]]", vec!["0"; 101].join(","))).unwrap_err();
        assert!(e.contains("too large: more than 100 values"), "{e}");
    }
}
