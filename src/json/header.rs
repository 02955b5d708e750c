//! What the VCBN and imgpack header parsers share: reading the header's one
//! JSON object member by member, and the values both formats read alike
//! (strings, numbers, `shape`, `order`).

use crate::error::{Error, Field};
use crate::vcbn::Order;
use crate::Shape;

use super::{IntError, Item, Number, Reader, Str, Token};

/// Reads a whole header: checks that `json` is UTF-8, then reads one JSON
/// object (nesting at most `max_depth`) and requires that nothing but
/// whitespace follows it. Each member whose key is in `keys` is handed to
/// `member(key, field, reader)`, which reads its value, once: a second
/// member with that key is [`Error::DuplicateField`]. Other members are
/// skipped, whatever their values. Offsets in errors are relative to
/// `json`'s first byte.
///
/// Returns which keys were read: bit `i` for `keys[i]` (at most 16 keys).
pub(crate) fn read_header_object<'a, K: Copy>(
    json: &'a [u8],
    max_depth: u32,
    keys: &[(&str, K, Field)],
    mut member: impl FnMut(K, Field, &mut Reader<'a>) -> Result<(), Error>,
) -> Result<u16, Error> {
    debug_assert!(keys.len() <= 16, "read_header_object: more than 16 keys");
    let text = core::str::from_utf8(json).map_err(|e| Error::HeaderNotUtf8 {
        offset: e.valid_up_to() as u64,
    })?;
    // Empty or whitespace only: said plainly (the reader would only say it
    // expected a value).
    if json
        .iter()
        .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
    {
        return Err(Error::JsonSyntax {
            offset: json.len() as u64,
            expected: "'{' (the header is empty)",
        });
    }
    let mut r = Reader::new(text, max_depth);
    match r.next().transpose()? {
        Some(Item {
            token: Token::BeginObject,
            ..
        }) => {}
        Some(item) => {
            return Err(Error::JsonSyntax {
                offset: item.offset as u64,
                expected: "'{' (the header must be a JSON object)",
            })
        }
        None => {
            return Err(Error::JsonSyntax {
                offset: r.position() as u64,
                expected: "'{'",
            })
        }
    }

    let mut present = 0u16;
    loop {
        let item = r.next().transpose()?.ok_or(Error::JsonSyntax {
            offset: r.position() as u64,
            expected: "a key or '}'",
        })?;
        let key = match item.token {
            Token::EndObject => break,
            Token::Key(k) => k,
            _ => {
                return Err(Error::JsonSyntax {
                    offset: item.offset as u64,
                    expected: "a key",
                })
            }
        };
        let found = keys.iter().enumerate().find(|(_, (k, _, _))| key.eq_str(k));
        let Some((i, &(_, known, field))) = found else {
            r.skip_value()?;
            continue;
        };
        let bit = u32::try_from(i)
            .ok()
            .and_then(|i| 1u16.checked_shl(i))
            .unwrap_or(0);
        if present & bit != 0 {
            return Err(Error::DuplicateField {
                field,
                offset: item.offset as u64,
            });
        }
        present |= bit;
        member(known, field, &mut r)?;
    }
    r.finish()?;
    Ok(present)
}

/// Reads the next value, whatever it is.
pub(crate) fn next_value<'a>(r: &mut Reader<'a>) -> Result<Item<'a>, Error> {
    let pos = r.position();
    r.next().transpose()?.ok_or(Error::JsonSyntax {
        offset: pos as u64,
        expected: "a value",
    })
}

/// Reads a value for `field` that `pick` takes; any other value is
/// [`Error::WrongType`] (`expected`).
fn expect_value<'a, T>(
    r: &mut Reader<'a>,
    field: Field,
    expected: &'static str,
    pick: impl FnOnce(Token<'a>) -> Option<T>,
) -> Result<(usize, T), Error> {
    let item = next_value(r)?;
    pick(item.token)
        .map(|v| (item.offset, v))
        .ok_or(Error::WrongType {
            field,
            offset: item.offset as u64,
            expected,
        })
}

/// Reads a string value for `field`.
pub(crate) fn expect_str<'a>(r: &mut Reader<'a>, field: Field) -> Result<(usize, Str<'a>), Error> {
    expect_value(r, field, "a string", |t| match t {
        Token::String(s) => Some(s),
        _ => None,
    })
}

/// Reads a number value for `field`.
pub(crate) fn expect_number<'a>(
    r: &mut Reader<'a>,
    field: Field,
) -> Result<(usize, Number<'a>), Error> {
    expect_value(r, field, "a number", |t| match t {
        Token::Number(n) => Some(n),
        _ => None,
    })
}

/// Reads `order`: `"C"` or `"F"`.
pub(crate) fn read_order(r: &mut Reader<'_>, field: Field) -> Result<Order, Error> {
    let (at, s) = expect_str(r, field)?;
    if s.eq_str("C") {
        Ok(Order::C)
    } else if s.eq_str("F") {
        Ok(Order::F)
    } else {
        Err(Error::InvalidValue {
            field,
            offset: at as u64,
            expected: "\"C\" or \"F\"",
        })
    }
}

/// Reads `shape`: a list of exactly two non-negative integers.
pub(crate) fn read_shape(r: &mut Reader<'_>) -> Result<Shape, Error> {
    let bad = |offset: usize, reason| Error::BadShape {
        offset: offset as u64,
        reason,
    };
    let first = r
        .next()
        .transpose()?
        .ok_or(bad(r.position(), "missing value"))?;
    if first.token != Token::BeginArray {
        return Err(bad(first.offset, "must be a list of two integers [H, W]"));
    }
    let mut dims = [0u64; 2];
    let mut count = 0usize;
    loop {
        let item = r
            .next()
            .transpose()?
            .ok_or(bad(r.position(), "unterminated list"))?;
        match item.token {
            Token::EndArray => break,
            Token::Number(n) => {
                let v = n.to_u64().map_err(|e| {
                    bad(
                        item.offset,
                        match e {
                            IntError::Negative => "a dimension is negative",
                            IntError::NotInteger => "a dimension is not an integer",
                            IntError::TooLarge => "a dimension is larger than 2^64-1",
                        },
                    )
                })?;
                match dims.get_mut(count) {
                    Some(d) => *d = v,
                    None => return Err(bad(item.offset, "more than two dimensions")),
                }
                count = count.saturating_add(1);
            }
            _ => return Err(bad(item.offset, "a dimension is not a number")),
        }
    }
    if count != 2 {
        return Err(bad(first.offset, "must have exactly two dimensions [H, W]"));
    }
    Ok(Shape::from(dims))
}
