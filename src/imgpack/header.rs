//! The imgpack [`Header`]: parsing the JSON, every key, `null`s included.

use crate::error::{Error, Field};
use crate::json::{
    self, expect_number, expect_str, next_value, read_order, read_shape, IntError, Reader, Token,
};
use crate::Shape;

use super::{blob_len_of, blob_offset, pad_len, Dtype, Endianness, Limits, Order, FORMAT_NAME};

/// A decoded imgpack header. Keys that imgpack writes as `null`
/// (`endianness` for `packed`, `bits` and `resolution` for the floats) are
/// `None`; [`Header::has_key`] tells a `null` from an absent key.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Header {
    json_len: u32,
    present: u16,
    version: Option<u64>,
    dtype: Dtype,
    endianness: Option<Endianness>,
    shape: Shape,
    order: Order,
    size: Option<f64>,
    bits: Option<u32>,
    resolution: Option<u64>,
    vmin: f64,
    vmax: f64,
    blob_len: u64,
}

/// The keys the decoder interprets, in imgpack's order.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    Format,
    Version,
    Dtype,
    Endianness,
    Shape,
    Order,
    Size,
    Bits,
    Resolution,
    Vmin,
    Vmax,
}

const KEYS: [(&str, Key, Field); 11] = [
    ("format", Key::Format, Field::Format),
    ("version", Key::Version, Field::Version),
    ("dtype", Key::Dtype, Field::Dtype),
    ("endianness", Key::Endianness, Field::Endianness),
    ("shape", Key::Shape, Field::Shape),
    ("order", Key::Order, Field::Order),
    ("size", Key::Size, Field::Size),
    ("bits", Key::Bits, Field::Bits),
    ("resolution", Key::Resolution, Field::Resolution),
    ("vmin", Key::Vmin, Field::Vmin),
    ("vmax", Key::Vmax, Field::Vmax),
];

/// The bit of [`Header`]'s `present` for `field`'s key
/// (`json::read_header_object` sets bit `i` for `KEYS[i]`); 0 for a field
/// that is no key.
fn key_bit(field: Field) -> u16 {
    KEYS.iter()
        .position(|(_, _, f)| *f == field)
        .and_then(|i| u32::try_from(i).ok())
        .and_then(|i| 1u16.checked_shl(i))
        .unwrap_or(0)
}

/// An integer value or `null`.
fn int_or_null(r: &mut Reader<'_>, field: Field) -> Result<(usize, Option<u64>), Error> {
    let item = next_value(r)?;
    match item.token {
        Token::Null => Ok((item.offset, None)),
        Token::Number(n) => {
            n.to_u64()
                .map(|v| (item.offset, Some(v)))
                .map_err(|e| Error::InvalidValue {
                    field,
                    offset: item.offset as u64,
                    expected: match e {
                        IntError::TooLarge => "an integer below 2^64",
                        _ => "a non-negative integer",
                    },
                })
        }
        _ => Err(Error::WrongType {
            field,
            offset: item.offset as u64,
            expected: "an integer or null",
        }),
    }
}

impl Header {
    /// Parses the header JSON alone (the `HEADER_LEN` bytes after the
    /// length). Offsets in errors are relative to `json`'s first byte.
    ///
    /// Keys in any order, unknown keys ignored, any JSON whitespace, numbers
    /// in any JSON form (and Python's `NaN`/`Infinity` for `vmin`/`vmax`).
    /// Required: `dtype` (one of the seven), `shape` (two non-negative
    /// integers), and for the n-bit dtypes `bits` (1..=8/16/32 by dtype).
    /// Optional: `format` (must be `"imgpack"`), `version` (an integer from
    /// 1), `endianness` (`"LE"`, the default, or `"BE"`; `null` only where
    /// byte order does not matter, `packed` and `uint8`), `order` (`"C"`,
    /// the default, or `"F"`), `size` (a number, not checked), `resolution`
    /// (a non-negative integer below 2^64 or `null`, not checked against
    /// `bits`), `vmin`/`vmax` (numbers; 0.0 and
    /// 1.0 by default). Each bad value has its own error.
    pub fn parse_json(json: &[u8], limits: &Limits) -> Result<Header, Error> {
        let mut version = None;
        let mut dtype = None;
        let mut endianness = None;
        let mut endianness_at = 0usize;
        let mut shape = None;
        let mut order = Order::C;
        let mut size = None;
        let mut bits = None;
        let mut bits_at = None;
        let mut resolution = None;
        let mut vmin = 0.0f64;
        let mut vmax = 1.0f64;

        let present = json::read_header_object(
            json,
            limits.max_depth(),
            &KEYS,
            |known, field, r| {
                match known {
                    Key::Format => {
                        let (at, s) = expect_str(r, field)?;
                        if !s.eq_str(FORMAT_NAME) {
                            return Err(Error::InvalidValue {
                                field,
                                offset: at as u64,
                                expected: "\"imgpack\"",
                            });
                        }
                    }
                    Key::Version => {
                        let (at, n) = expect_number(r, field)?;
                        let v = n.to_u64().ok().filter(|&v| v >= 1);
                        version = Some(v.ok_or(Error::InvalidValue {
                            field,
                            offset: at as u64,
                            expected: "an integer from 1",
                        })?);
                    }
                    Key::Dtype => {
                        let (at, s) = expect_str(r, field)?;
                        // Escapes decoded, as for every other string key.
                        let d = Dtype::ALL.into_iter().find(|d| s.eq_str(d.name()));
                        dtype = Some(d.ok_or(Error::InvalidValue {
                        field,
                        offset: at as u64,
                        expected: "\"packed\", \"uint8\", \"uint16\", \"uint32\", \"float16\", \"float32\" or \"float64\"",
                    })?);
                    }
                    Key::Endianness => {
                        let item = next_value(r)?;
                        endianness_at = item.offset;
                        endianness = match item.token {
                            Token::Null => None,
                            Token::String(s) if s.eq_str("LE") => Some(Endianness::Little),
                            Token::String(s) if s.eq_str("BE") => Some(Endianness::Big),
                            Token::String(_) => {
                                return Err(Error::InvalidValue {
                                    field,
                                    offset: item.offset as u64,
                                    expected: "\"LE\", \"BE\" or null",
                                })
                            }
                            _ => {
                                return Err(Error::WrongType {
                                    field,
                                    offset: item.offset as u64,
                                    expected: "a string or null",
                                })
                            }
                        };
                    }
                    Key::Shape => shape = Some(read_shape(r)?),
                    Key::Order => order = read_order(r, field)?,
                    Key::Size => size = Some(expect_number(r, field)?.1.to_f64()),
                    Key::Bits => {
                        let (at, v) = int_or_null(r, field)?;
                        bits_at = Some(at);
                        bits = match v {
                            None => None,
                            Some(v) => Some(u32::try_from(v).map_err(|_| Error::InvalidValue {
                                field,
                                offset: at as u64,
                                expected: "an integer from 1 to 32",
                            })?),
                        };
                    }
                    Key::Resolution => resolution = int_or_null(r, field)?.1,
                    Key::Vmin => vmin = expect_number(r, field)?.1.to_f64(),
                    Key::Vmax => vmax = expect_number(r, field)?.1.to_f64(),
                }
                Ok(())
            },
        )?;

        let dtype = dtype.ok_or(Error::MissingField {
            field: Field::Dtype,
        })?;
        let shape = shape.ok_or(Error::MissingField {
            field: Field::Shape,
        })?;
        if let Some(max) = dtype.max_bits() {
            let at = bits_at.ok_or(Error::MissingField { field: Field::Bits })? as u64;
            match bits {
                None => {
                    return Err(Error::WrongType {
                        field: Field::Bits,
                        offset: at,
                        expected: "an integer (the dtype is n-bit)",
                    })
                }
                Some(b) if b == 0 || b > max => {
                    return Err(Error::InvalidValue {
                        field: Field::Bits,
                        offset: at,
                        expected: match max {
                            8 => "an integer from 1 to 8 (uint8)",
                            16 => "an integer from 1 to 16 (uint16)",
                            _ => "an integer from 1 to 32 (packed, uint32)",
                        },
                    })
                }
                Some(_) => {}
            }
        }
        if endianness.is_none() && present & key_bit(Field::Endianness) != 0 {
            if dtype.has_byte_order() {
                return Err(Error::InvalidValue {
                    field: Field::Endianness,
                    offset: endianness_at as u64,
                    expected: "\"LE\" or \"BE\" (null only for packed and uint8)",
                });
            }
        } else if endianness.is_none() && dtype != Dtype::Packed {
            endianness = Some(Endianness::Little);
        }
        let blob_len = blob_len_of(shape, dtype, bits.unwrap_or(0))?;
        let json_len = u32::try_from(json.len()).map_err(|_| Error::SizeOverflow {
            field: Field::HeaderLen,
        })?;
        Ok(Header {
            json_len,
            present,
            version,
            dtype,
            endianness,
            shape,
            order,
            size,
            bits,
            resolution,
            vmin,
            vmax,
            blob_len,
        })
    }

    /// Whether the JSON had `field` as a key (with any value, `null`
    /// included). Fields that are not imgpack header keys are `false`.
    pub fn has_key(&self, field: Field) -> bool {
        self.present & key_bit(field) != 0
    }

    /// `HEADER_LEN`: bytes of header JSON.
    pub fn json_len(&self) -> u32 {
        self.json_len
    }

    /// `format`: `Some("imgpack")` if the key is present (any other value
    /// is refused).
    pub fn format(&self) -> Option<&'static str> {
        self.has_key(Field::Format).then_some(FORMAT_NAME)
    }

    /// `version`, if present.
    pub fn version(&self) -> Option<u64> {
        self.version
    }

    /// `dtype`.
    pub fn dtype(&self) -> Dtype {
        self.dtype
    }

    /// `endianness`: `None` where it is `null` (what imgpack writes for
    /// `packed`); an absent key reads as `"LE"` except for `packed`.
    pub fn endianness(&self) -> Option<Endianness> {
        self.endianness
    }

    /// The byte order the data is read in: [`Header::endianness`], or
    /// little-endian where it is `null` (byte order does not matter there).
    pub fn byte_order(&self) -> Endianness {
        self.endianness.unwrap_or(Endianness::Little)
    }

    /// `shape`, `[H, W]` in the JSON.
    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// `order` (default `C`). The data is handed out as stored.
    pub fn order(&self) -> Order {
        self.order
    }

    /// `size` (blob MiB), as written; not checked.
    pub fn size(&self) -> Option<f64> {
        self.size
    }

    /// `bits`: for the n-bit dtypes always `Some` and within the dtype's
    /// range; for the floats what was written (imgpack writes `null`).
    pub fn bits(&self) -> Option<u32> {
        self.bits
    }

    /// `resolution` as written (imgpack writes `2**bits`, or `null`); not
    /// checked. The top level is `2**bits - 1`.
    pub fn resolution(&self) -> Option<u64> {
        self.resolution
    }

    /// `vmin` (default 0.0; may be Python's `NaN` or `±Infinity`).
    pub fn vmin(&self) -> f64 {
        self.vmin
    }

    /// `vmax` (default 1.0).
    pub fn vmax(&self) -> f64 {
        self.vmax
    }

    /// Number of values, `H*W`.
    pub fn elements(&self) -> u64 {
        // Checked when the header was parsed.
        self.shape.elements().unwrap_or(u64::MAX)
    }

    /// Bytes of blob: `H*W*elem_size`, or `ceil(H*W*bits/8)` for `packed`.
    pub fn blob_len(&self) -> u64 {
        self.blob_len
    }

    /// Zero bytes between the JSON and the blob.
    pub fn pad_len(&self) -> u32 {
        pad_len(self.json_len, self.dtype)
    }

    /// Offset of the first blob byte: `4 + HEADER_LEN + PAD`.
    pub fn blob_offset(&self) -> u64 {
        blob_offset(self.json_len, self.dtype)
    }

    /// The whole message's length in bytes.
    pub fn frame_len(&self) -> u64 {
        self.blob_offset().saturating_add(self.blob_len)
    }

    /// The value of level `q` for the n-bit dtypes:
    /// `vmin + q * ((vmax - vmin) / (2**bits - 1))` in f64, rounded to f32
    /// (`None` for the floats).
    pub fn dequantizer(&self) -> Option<Dequantizer> {
        self.dtype.max_bits()?;
        let bits = self.bits?;
        Some(Dequantizer::new(self.vmin, self.vmax, bits))
    }
}

/// The inverse of imgpack's quantization for viewers:
/// `x' = vmin + q * ((vmax - vmin) / (2**bits - 1))`, in f64, rounded to f32.
/// For a finite `x` in `[vmin, vmax]` quantized with `bits` ≤ 24, `|x' - x|`
/// is at most one step, `(vmax - vmin) / (2**bits - 1)`, plus the rounding of
/// the f32 arithmetic (`docs/FORMATS.md` §8.4).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Dequantizer {
    vmin: f64,
    step: f64,
}

impl Dequantizer {
    /// Constants for the range and `bits` (1..=32; 0 gives NaN values).
    pub fn new(vmin: f64, vmax: f64, bits: u32) -> Self {
        let top = 1u64.checked_shl(bits).map_or(0, |l| l.saturating_sub(1));
        let step = if top == 0 {
            f64::NAN
        } else {
            (vmax - vmin) / top as f64
        };
        Dequantizer { vmin, step }
    }

    /// The value of one level.
    #[inline(always)]
    pub fn value(&self, q: u32) -> f32 {
        (self.vmin + f64::from(q) * self.step) as f32
    }
}
