//! The envelope's fixed [`Prefix`] and its JSON [`Header`].

use crate::error::{Error, Field};
use crate::json::{self, IntError, Reader, Token};
use crate::quant::Dequantizer;
use crate::Shape;

use super::{Dtype, Endianness, Limits, Magic, Order, EXPECTED_MAGIC, PREFIX_LEN, VERSION};

/// The fixed 9-byte start of an envelope, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Prefix {
    magic: Magic,
    version: u8,
    json_len: u32,
}

/// 1 if a pad byte follows a JSON of `json_len` bytes: `9 + json_len` is odd
/// exactly when `json_len` is even.
const fn pad_len(json_len: u32) -> u32 {
    (json_len % 2 == 0) as u32
}

/// `9 + json_len + pad`.
const fn blob_offset(json_len: u32) -> u64 {
    (PREFIX_LEN as u64)
        .saturating_add(json_len as u64)
        .saturating_add(pad_len(json_len) as u64)
}

impl Prefix {
    /// Reads the prefix at the start of `bytes`. Checks, in order: at least 9
    /// bytes, magic, version ≥ 1, `HEADER_LEN` (the JSON's length) within
    /// `limits`.
    pub fn parse(bytes: &[u8], limits: &Limits) -> Result<Prefix, Error> {
        let head: &[u8; PREFIX_LEN] = bytes
            .get(..PREFIX_LEN)
            .and_then(|h| h.try_into().ok())
            .ok_or(Error::Truncated {
                needed: PREFIX_LEN as u64,
                available: bytes.len() as u64,
            })?;
        let [m0, m1, m2, m3, version, l0, l1, l2, l3] = *head;
        let found = [m0, m1, m2, m3];
        let magic = Magic::from_bytes(found).ok_or(Error::BadMagic {
            found,
            expected: EXPECTED_MAGIC,
        })?;
        if version == 0 {
            return Err(Error::UnsupportedVersion { version });
        }
        let json_len = u32::from_be_bytes([l0, l1, l2, l3]);
        if json_len > limits.max_json_len() {
            return Err(Error::HeaderTooLong {
                len: u64::from(json_len),
                limit: u64::from(limits.max_json_len()),
                offset: 5,
            });
        }
        Ok(Prefix {
            magic,
            version,
            json_len,
        })
    }

    /// The magic seen.
    pub fn magic(&self) -> Magic {
        self.magic
    }

    /// The VERSION byte.
    pub fn version(&self) -> u8 {
        self.version
    }

    /// `HEADER_LEN`: bytes of header JSON.
    pub fn json_len(&self) -> u32 {
        self.json_len
    }

    /// 1 if a pad byte follows the JSON, else 0.
    pub fn pad_len(&self) -> u32 {
        pad_len(self.json_len)
    }

    /// Offset of the first blob byte: `9 + HEADER_LEN + PAD`.
    pub fn blob_offset(&self) -> u64 {
        blob_offset(self.json_len)
    }
}

/// A decoded VCBN header.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Header {
    magic: Magic,
    version: u8,
    json_len: u32,
    dtype: Dtype,
    endianness: Endianness,
    shape: Shape,
    order: Order,
    resolution: u32,
    vmin: f64,
    vmax: f64,
    blob_len: u64,
}

/// The header keys the decoder interprets; used to catch duplicates.
#[derive(Clone, Copy)]
enum Known {
    Dtype = 0,
    Shape,
    Endianness,
    Order,
    Resolution,
    Vmin,
    Vmax,
}

impl Known {
    fn field(self) -> Field {
        match self {
            Known::Dtype => Field::Dtype,
            Known::Shape => Field::Shape,
            Known::Endianness => Field::Endianness,
            Known::Order => Field::Order,
            Known::Resolution => Field::Resolution,
            Known::Vmin => Field::Vmin,
            Known::Vmax => Field::Vmax,
        }
    }

    fn from_key(key: &json::Str<'_>) -> Option<Known> {
        const KEYS: [(&str, Known); 7] = [
            ("dtype", Known::Dtype),
            ("shape", Known::Shape),
            ("endianness", Known::Endianness),
            ("order", Known::Order),
            ("resolution", Known::Resolution),
            ("vmin", Known::Vmin),
            ("vmax", Known::Vmax),
        ];
        KEYS.iter().find(|(k, _)| key.eq_str(k)).map(|&(_, v)| v)
    }
}

fn offset_of(item_offset: usize) -> u64 {
    item_offset as u64
}

/// Reads a string value for `field`.
pub(crate) fn expect_str<'a>(
    r: &mut Reader<'a>,
    field: Field,
) -> Result<(usize, json::Str<'a>), Error> {
    let pos = r.position();
    match r.next().transpose()? {
        Some(json::Item {
            offset,
            token: Token::String(s),
        }) => Ok((offset, s)),
        Some(item) => Err(Error::WrongType {
            field,
            offset: offset_of(item.offset),
            expected: "a string",
        }),
        None => Err(Error::JsonSyntax {
            offset: pos as u64,
            expected: "a value",
        }),
    }
}

/// Reads a number value for `field`.
pub(crate) fn expect_number<'a>(
    r: &mut Reader<'a>,
    field: Field,
) -> Result<(usize, json::Number<'a>), Error> {
    let pos = r.position();
    match r.next().transpose()? {
        Some(json::Item {
            offset,
            token: Token::Number(n),
        }) => Ok((offset, n)),
        Some(item) => Err(Error::WrongType {
            field,
            offset: offset_of(item.offset),
            expected: "a number",
        }),
        None => Err(Error::JsonSyntax {
            offset: pos as u64,
            expected: "a value",
        }),
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

impl Header {
    /// Parses the header JSON alone (the bytes between `HEADER_LEN` and the
    /// pad). Offsets in errors are relative to `json`'s first byte. The
    /// returned header has magic `VCBN`, version 1 and `json_len` = the
    /// JSON's length; [`super::decode`] sets them from the envelope.
    pub fn parse_json(json: &[u8], limits: &Limits) -> Result<Header, Error> {
        let text = core::str::from_utf8(json).map_err(|e| Error::HeaderNotUtf8 {
            offset: e.valid_up_to() as u64,
        })?;
        let mut r = Reader::new(text, limits.max_depth);
        if text.trim_matches([' ', '\t', '\n', '\r']).is_empty() {
            return Err(Error::JsonSyntax {
                offset: text.len() as u64,
                expected: "'{' (the header is empty)",
            });
        }
        match r.next().transpose()? {
            Some(json::Item {
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
                    expected: "'{' (the header is empty)",
                })
            }
        }

        let mut seen = [false; 7];
        let mut dtype = None;
        let mut shape = None;
        let mut endianness = Endianness::Little;
        let mut order = Order::C;
        let mut resolution = None;
        let mut vmin = 0.0f64;
        let mut vmax = 1.0f64;

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
            let Some(known) = Known::from_key(&key) else {
                r.skip_value()?;
                continue;
            };
            let slot = seen.get_mut(known as usize);
            match slot {
                Some(s) if *s => {
                    return Err(Error::DuplicateField {
                        field: known.field(),
                        offset: item.offset as u64,
                    })
                }
                Some(s) => *s = true,
                None => {}
            }
            match known {
                Known::Dtype => {
                    let (at, s) = expect_str(&mut r, Field::Dtype)?;
                    dtype = Some(if s.eq_str("uint8") {
                        Dtype::U8
                    } else if s.eq_str("uint16") {
                        Dtype::U16
                    } else {
                        return Err(Error::UnknownDtype { offset: at as u64 });
                    });
                }
                Known::Shape => shape = Some(read_shape(&mut r)?),
                Known::Endianness => {
                    let (at, s) = expect_str(&mut r, Field::Endianness)?;
                    endianness = if s.eq_str("LE") {
                        Endianness::Little
                    } else if s.eq_str("BE") {
                        Endianness::Big
                    } else {
                        return Err(Error::InvalidValue {
                            field: Field::Endianness,
                            offset: at as u64,
                            expected: "\"LE\" or \"BE\"",
                        });
                    };
                }
                Known::Order => {
                    let (at, s) = expect_str(&mut r, Field::Order)?;
                    order = if s.eq_str("C") {
                        Order::C
                    } else if s.eq_str("F") {
                        Order::F
                    } else {
                        return Err(Error::InvalidValue {
                            field: Field::Order,
                            offset: at as u64,
                            expected: "\"C\" or \"F\"",
                        });
                    };
                }
                Known::Resolution => {
                    let (at, n) = expect_number(&mut r, Field::Resolution)?;
                    let v = n
                        .to_u64()
                        .ok()
                        .and_then(|v| u32::try_from(v).ok())
                        .filter(|v| (1..=65535).contains(v))
                        .ok_or(Error::InvalidValue {
                            field: Field::Resolution,
                            offset: at as u64,
                            expected: "an integer from 1 to 65535",
                        })?;
                    resolution = Some(v);
                }
                Known::Vmin => vmin = expect_number(&mut r, Field::Vmin)?.1.to_f64(),
                Known::Vmax => vmax = expect_number(&mut r, Field::Vmax)?.1.to_f64(),
            }
        }
        r.finish()?;

        let dtype = dtype.ok_or(Error::MissingField {
            field: Field::Dtype,
        })?;
        let shape = shape.ok_or(Error::MissingField {
            field: Field::Shape,
        })?;
        let blob_len = blob_len_of(shape, dtype)?;
        check_frame_len(blob_len, json.len())?;
        Ok(Header {
            magic: Magic::Vcbn,
            version: VERSION,
            json_len: u32::try_from(json.len()).unwrap_or(u32::MAX),
            dtype,
            endianness,
            shape,
            order,
            resolution: resolution.unwrap_or(dtype.resolution()),
            vmin,
            vmax,
            blob_len,
        })
    }

    /// Sets the envelope fields after parsing the JSON.
    pub(crate) fn with_prefix(mut self, prefix: &Prefix) -> Header {
        self.magic = prefix.magic;
        self.version = prefix.version;
        self.json_len = prefix.json_len;
        self
    }

    /// The magic the frame carried.
    pub fn magic(&self) -> Magic {
        self.magic
    }

    /// The VERSION byte.
    pub fn version(&self) -> u8 {
        self.version
    }

    /// `HEADER_LEN`: bytes of header JSON.
    pub fn json_len(&self) -> u32 {
        self.json_len
    }

    /// `dtype`.
    pub fn dtype(&self) -> Dtype {
        self.dtype
    }

    /// `endianness` (default `LE`).
    pub fn endianness(&self) -> Endianness {
        self.endianness
    }

    /// `shape`, `[H, W]` in the JSON.
    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// `order` (default `C`).
    pub fn order(&self) -> Order {
        self.order
    }

    /// `resolution` (default 255 or 4096 by dtype).
    pub fn resolution(&self) -> u32 {
        self.resolution
    }

    /// `vmin` (default 0.0). May be non-finite if the writer put Python's `NaN`
    /// or `Infinity` there.
    pub fn vmin(&self) -> f64 {
        self.vmin
    }

    /// `vmax` (default 1.0).
    pub fn vmax(&self) -> f64 {
        self.vmax
    }

    /// Number of levels, `H*W`.
    pub fn elements(&self) -> u64 {
        // Checked when the header was parsed (blob_len = H*W*size fits).
        self.shape.elements().unwrap_or(u64::MAX)
    }

    /// Bytes of blob, `H*W*elem_size`.
    pub fn blob_len(&self) -> u64 {
        self.blob_len
    }

    /// 1 if a pad byte follows the JSON, else 0.
    pub fn pad_len(&self) -> u32 {
        pad_len(self.json_len)
    }

    /// Offset of the first blob byte: `9 + HEADER_LEN + PAD`.
    pub fn blob_offset(&self) -> u64 {
        blob_offset(self.json_len)
    }

    /// The whole frame's length in bytes.
    pub fn frame_len(&self) -> u64 {
        self.blob_offset().saturating_add(self.blob_len)
    }

    /// The [`Dequantizer`] for this header's range and resolution.
    pub fn dequantizer(&self) -> Dequantizer {
        Dequantizer::new(self.vmin, self.vmax, self.resolution)
    }
}
/// length said about it would be true. The decoder and the encoders apply
/// this same rule, so neither accepts what the other refuses.
pub(crate) fn check_frame_len(blob_len: u64, json_len: usize) -> Result<(), Error> {
    (PREFIX_LEN as u64)
        .checked_add(json_len as u64)
        .and_then(|head| head.checked_add(1))
        .and_then(|head| head.checked_add(blob_len))
        .map(|_| ())
        .ok_or(Error::SizeOverflow {
            field: Field::Shape,
        })
}

pub(crate) fn blob_len_of(shape: Shape, dtype: Dtype) -> Result<u64, Error> {
    shape
        .elements()
        .and_then(|n| n.checked_mul(dtype.size()))
        .ok_or(Error::SizeOverflow {
            field: Field::Shape,
        })
}
