//! The envelope's fixed [`Prefix`] and its JSON [`Header`].

use crate::error::{Error, Field};
use crate::json::{self, expect_number, expect_str, read_order, read_shape};
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
pub(crate) const fn pad_len(json_len: u32) -> u32 {
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

/// The header keys the decoder interprets.
#[derive(Clone, Copy)]
enum Known {
    Dtype,
    Shape,
    Endianness,
    Order,
    Resolution,
    Vmin,
    Vmax,
}

const KEYS: [(&str, Known, Field); 7] = [
    ("dtype", Known::Dtype, Field::Dtype),
    ("shape", Known::Shape, Field::Shape),
    ("endianness", Known::Endianness, Field::Endianness),
    ("order", Known::Order, Field::Order),
    ("resolution", Known::Resolution, Field::Resolution),
    ("vmin", Known::Vmin, Field::Vmin),
    ("vmax", Known::Vmax, Field::Vmax),
];

impl Header {
    /// Parses the header JSON alone (the bytes between `HEADER_LEN` and the
    /// pad). Offsets in errors are relative to `json`'s first byte. The
    /// returned header has magic `VCBN`, version 1 and `json_len` = the
    /// JSON's length; [`super::decode`] sets them from the envelope.
    pub fn parse_json(json: &[u8], limits: &Limits) -> Result<Header, Error> {
        let mut dtype = None;
        let mut shape = None;
        let mut endianness = Endianness::Little;
        let mut order = Order::C;
        let mut resolution = None;
        let mut vmin = 0.0f64;
        let mut vmax = 1.0f64;
        json::read_header_object(json, limits.max_depth, &KEYS, |known, field, r| {
            match known {
                Known::Dtype => {
                    let (at, s) = expect_str(r, field)?;
                    dtype = Some(if s.eq_str("uint8") {
                        Dtype::U8
                    } else if s.eq_str("uint16") {
                        Dtype::U16
                    } else {
                        return Err(Error::UnknownDtype { offset: at as u64 });
                    });
                }
                Known::Shape => shape = Some(read_shape(r)?),
                Known::Endianness => {
                    let (at, s) = expect_str(r, field)?;
                    endianness = if s.eq_str("LE") {
                        Endianness::Little
                    } else if s.eq_str("BE") {
                        Endianness::Big
                    } else {
                        return Err(Error::InvalidValue {
                            field,
                            offset: at as u64,
                            expected: "\"LE\" or \"BE\"",
                        });
                    };
                }
                Known::Order => order = read_order(r, field)?,
                Known::Resolution => {
                    let (at, n) = expect_number(r, field)?;
                    let v = n
                        .to_u64()
                        .ok()
                        .and_then(|v| u32::try_from(v).ok())
                        .filter(|v| (1..=65535).contains(v))
                        .ok_or(Error::InvalidValue {
                            field,
                            offset: at as u64,
                            expected: "an integer from 1 to 65535",
                        })?;
                    resolution = Some(v);
                }
                Known::Vmin => vmin = expect_number(r, field)?.1.to_f64(),
                Known::Vmax => vmax = expect_number(r, field)?.1.to_f64(),
            }
            Ok(())
        })?;

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
