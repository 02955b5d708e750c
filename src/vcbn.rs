//! The VCBN envelope v1 (SPEC §2): a quantized 2-D array with a JSON header.
//!
//! ```text
//! MAGIC(4) "VCBN" | VERSION(1) = 1 | HEADER_LEN(4, u32 BE) | HEADER_JSON | PAD | BLOB
//! ```
//!
//! PAD is one zero byte when `9 + HEADER_LEN` is odd, so BLOB starts on a
//! 2-byte boundary. BLOB is `H*W` `uint8` or `uint16` (little-endian) levels in
//! C order; its length comes from the header.
//!
//! **Encoding** quantizes float samples ([`crate::quant`]), writes the
//! canonical header (byte-identical to Python's `json.dumps` of the seed's
//! header dict), pads, and writes the blob, all into a caller's buffer sized
//! with [`encoded_len`].
//!
//! **Decoding** is liberal (SPEC §2): the magics `VCBN`, `IMPK` and `CBIN`;
//! any version from 1; keys in any order; unknown keys; any JSON whitespace;
//! numbers in any JSON form; big-endian `uint16` blobs; defaults for the
//! optional keys. It returns the [`Header`] and a zero-copy [`Blob`] view.
//!
//! ```
//! use framewire::vcbn::{self, Dtype, Params};
//!
//! let samples = [0.0f32, 0.25, 0.5, 0.75, 1.0, f32::NAN];
//! let params = Params::new(Dtype::U16, 0.0, 1.0);
//! let mut buf = [0u8; 256];
//! let n = vcbn::encode(samples[..].into(), [2, 3], &params, &mut buf)?;
//!
//! let frame = vcbn::decode(&buf[..n])?;
//! assert_eq!(frame.header().shape(), [2, 3]);
//! assert_eq!(frame.header().dtype(), Dtype::U16);
//! let levels: Vec<u16> = frame.blob().iter().collect();
//! assert_eq!(levels, [0, 1024, 2048, 3072, 4096, 0]);
//! assert!(frame.json().starts_with(r#"{"fmt":"vcbin","version":1,"dtype":"uint16""#));
//! # Ok::<(), framewire::Error>(())
//! ```

use core::fmt::{self, Write};

use zerocopy::byteorder::big_endian::U16 as U16Be;
use zerocopy::byteorder::little_endian::U16 as U16Le;
use zerocopy::{FromBytes, IntoBytes};

use crate::copy_exact;
use crate::error::{Error, Field};
use crate::fmtbuf::{Counter, SliceWriter};
use crate::json::{self, IntError, Reader, Token};
use crate::quant::{Dequantizer, Quantizer, Samples, RESOLUTION_U16, RESOLUTION_U8};

/// The magic the encoder writes.
pub const MAGIC: [u8; 4] = *b"VCBN";
/// Magic written by released versions of the reference Python package (same layout).
pub const MAGIC_IMPK: [u8; 4] = *b"IMPK";
/// Magic written by released versions of the reference Python package (same layout).
pub const MAGIC_CBIN: [u8; 4] = *b"CBIN";
/// The version the encoder writes.
pub const VERSION: u8 = 1;
/// Bytes before the header JSON: magic, version, header length.
pub const PREFIX_LEN: usize = 9;
/// The default limit on `HEADER_LEN` (64 KiB). The canonical header is under
/// 250 bytes; configure a decoder with [`Limits`] for more or less.
pub const DEFAULT_MAX_HEADER_LEN: u32 = 64 * 1024;
/// The longest header (prefix, canonical JSON and pad) the encoder can
/// write, whatever the shape and range: a stack buffer of this size always
/// holds it.
pub const MAX_CANONICAL_HEADER_LEN: usize = 320;
/// The default nesting limit for the header JSON (see [`json::DEFAULT_MAX_DEPTH`]).
pub const DEFAULT_MAX_DEPTH: u32 = json::DEFAULT_MAX_DEPTH;

const EXPECTED_MAGIC: &str = "\"VCBN\", \"IMPK\" or \"CBIN\"";

/// Which magic a frame carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Magic {
    /// `VCBN`, what this crate writes.
    Vcbn,
    /// `IMPK`, an alias from released Python versions.
    Impk,
    /// `CBIN`, an alias from released Python versions.
    Cbin,
}

impl Magic {
    /// Recognises one of the three magics.
    pub fn from_bytes(b: [u8; 4]) -> Option<Magic> {
        match &b {
            b"VCBN" => Some(Magic::Vcbn),
            b"IMPK" => Some(Magic::Impk),
            b"CBIN" => Some(Magic::Cbin),
            _ => None,
        }
    }

    /// The four bytes.
    pub fn bytes(self) -> [u8; 4] {
        match self {
            Magic::Vcbn => MAGIC,
            Magic::Impk => MAGIC_IMPK,
            Magic::Cbin => MAGIC_CBIN,
        }
    }

    /// The magic as text.
    pub fn as_str(self) -> &'static str {
        match self {
            Magic::Vcbn => "VCBN",
            Magic::Impk => "IMPK",
            Magic::Cbin => "CBIN",
        }
    }
}

/// The level type of the blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Dtype {
    /// `"uint8"`: levels 0..=255.
    U8,
    /// `"uint16"`: levels 0..=4096.
    U16,
}

impl Dtype {
    /// The name used in the header.
    pub fn name(self) -> &'static str {
        match self {
            Dtype::U8 => "uint8",
            Dtype::U16 => "uint16",
        }
    }

    /// Bytes per level.
    pub fn size(self) -> u64 {
        match self {
            Dtype::U8 => 1,
            Dtype::U16 => 2,
        }
    }

    /// The default (and canonical) resolution: 255 or 4096.
    pub fn resolution(self) -> u32 {
        match self {
            Dtype::U8 => RESOLUTION_U8,
            Dtype::U16 => RESOLUTION_U16,
        }
    }
}

/// Byte order of a `uint16` blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Endianness {
    /// `"LE"`, the default and what the encoder writes.
    #[default]
    Little,
    /// `"BE"`.
    Big,
}

impl Endianness {
    /// The name used in the header.
    pub fn name(self) -> &'static str {
        match self {
            Endianness::Little => "LE",
            Endianness::Big => "BE",
        }
    }
}

/// Element order of the blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Order {
    /// `"C"`: row-major, the default and what the encoder writes.
    #[default]
    C,
    /// `"F"`: column-major (reported; the blob is handed out as stored).
    F,
}

impl Order {
    /// The name used in the header.
    pub fn name(self) -> &'static str {
        match self {
            Order::C => "C",
            Order::F => "F",
        }
    }
}

/// Limits a decoder applies. Every decoder takes its own; the defaults are
/// [`DEFAULT_MAX_HEADER_LEN`] and [`DEFAULT_MAX_DEPTH`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Limits {
    max_header_len: u32,
    max_depth: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

impl Limits {
    /// The defaults.
    pub const DEFAULT: Limits = Limits {
        max_header_len: DEFAULT_MAX_HEADER_LEN,
        max_depth: DEFAULT_MAX_DEPTH,
    };

    /// Sets the largest `HEADER_LEN` accepted.
    #[must_use]
    pub const fn with_max_header_len(mut self, len: u32) -> Self {
        self.max_header_len = len;
        self
    }

    /// Sets the JSON nesting limit (clamped to [`json::MAX_DEPTH_CAP`]).
    #[must_use]
    pub const fn with_max_depth(mut self, depth: u32) -> Self {
        self.max_depth = if depth > json::MAX_DEPTH_CAP {
            json::MAX_DEPTH_CAP
        } else {
            depth
        };
        self
    }

    /// The largest `HEADER_LEN` accepted.
    pub const fn max_header_len(&self) -> u32 {
        self.max_header_len
    }

    /// The JSON nesting limit.
    pub const fn max_depth(&self) -> u32 {
        self.max_depth
    }
}

/// The fixed 9-byte start of an envelope, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Prefix {
    magic: Magic,
    version: u8,
    header_len: u32,
}

impl Prefix {
    /// Reads the prefix at the start of `bytes`. Checks, in order: at least 9
    /// bytes, magic, version ≥ 1, `HEADER_LEN` within `limits`.
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
        let header_len = u32::from_be_bytes([l0, l1, l2, l3]);
        if header_len > limits.max_header_len {
            return Err(Error::HeaderTooLong {
                len: u64::from(header_len),
                limit: u64::from(limits.max_header_len),
            });
        }
        Ok(Prefix {
            magic,
            version,
            header_len,
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
    pub fn header_len(&self) -> u32 {
        self.header_len
    }

    /// 1 if a pad byte follows the JSON, else 0.
    pub fn pad_len(&self) -> u32 {
        // 9 + len is odd exactly when len is even.
        u32::from(self.header_len % 2 == 0)
    }

    /// Offset of the first blob byte: `9 + HEADER_LEN + PAD`.
    pub fn blob_offset(&self) -> u64 {
        (PREFIX_LEN as u64)
            .saturating_add(u64::from(self.header_len))
            .saturating_add(u64::from(self.pad_len()))
    }
}

/// A decoded VCBN header.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Header {
    magic: Magic,
    version: u8,
    header_len: u32,
    dtype: Dtype,
    endianness: Endianness,
    shape: [u64; 2],
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
fn expect_str<'a>(r: &mut Reader<'a>, field: Field) -> Result<(usize, json::Str<'a>), Error> {
    let pos = r.position();
    match r.next()? {
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
fn expect_number<'a>(r: &mut Reader<'a>, field: Field) -> Result<(usize, json::Number<'a>), Error> {
    let pos = r.position();
    match r.next()? {
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
fn read_shape(r: &mut Reader<'_>) -> Result<[u64; 2], Error> {
    let bad = |offset: usize, reason| Error::BadShape {
        offset: offset as u64,
        reason,
    };
    let first = r.next()?.ok_or(bad(r.position(), "missing value"))?;
    if first.token != Token::BeginArray {
        return Err(bad(first.offset, "must be a list of two integers [H, W]"));
    }
    let mut dims = [0u64; 2];
    let mut count = 0usize;
    loop {
        let item = r.next()?.ok_or(bad(r.position(), "unterminated list"))?;
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
    Ok(dims)
}

impl Header {
    /// Parses the header JSON alone (the bytes between `HEADER_LEN` and the
    /// pad). Offsets in errors are relative to `json`'s first byte. The
    /// returned header has magic `VCBN`, version 1 and `header_len` = the
    /// JSON's length; [`decode`] sets them from the envelope.
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
        match r.next()? {
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
            let item = r.next()?.ok_or(Error::JsonSyntax {
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
            header_len: u32::try_from(json.len()).unwrap_or(u32::MAX),
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
        self.header_len = prefix.header_len;
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

    /// `HEADER_LEN`.
    pub fn header_len(&self) -> u32 {
        self.header_len
    }

    /// `dtype`.
    pub fn dtype(&self) -> Dtype {
        self.dtype
    }

    /// `endianness` (default `LE`).
    pub fn endianness(&self) -> Endianness {
        self.endianness
    }

    /// `shape` as `[H, W]`.
    pub fn shape(&self) -> [u64; 2] {
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
        let [h, w] = self.shape;
        // Checked when the header was parsed (blob_len = H*W*size fits).
        h.saturating_mul(w)
    }

    /// Bytes of blob, `H*W*elem_size`.
    pub fn blob_len(&self) -> u64 {
        self.blob_len
    }

    /// 1 if a pad byte follows the JSON, else 0.
    pub fn pad_len(&self) -> u32 {
        u32::from(self.header_len % 2 == 0)
    }

    /// Offset of the first blob byte.
    pub fn blob_offset(&self) -> u64 {
        (PREFIX_LEN as u64)
            .saturating_add(u64::from(self.header_len))
            .saturating_add(u64::from(self.pad_len()))
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

/// The blob of a decoded frame, viewed in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blob<'a> {
    /// `uint8` levels.
    U8(&'a [u8]),
    /// `uint16` levels, little-endian.
    U16Le(&'a [U16Le]),
    /// `uint16` levels, big-endian (`"endianness": "BE"`).
    U16Be(&'a [U16Be]),
}

#[cfg(feature = "defmt")]
impl defmt::Format for Blob<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        match self {
            Blob::U8(s) => defmt::write!(f, "Blob::U8({=usize} levels)", s.len()),
            Blob::U16Le(s) => defmt::write!(f, "Blob::U16Le({=usize} levels)", s.len()),
            Blob::U16Be(s) => defmt::write!(f, "Blob::U16Be({=usize} levels)", s.len()),
        }
    }
}

impl<'a> Blob<'a> {
    /// Views `bytes` as levels of `dtype` in `endianness`. Fails only if a
    /// `uint16` blob has an odd length.
    pub fn new(bytes: &'a [u8], dtype: Dtype, endianness: Endianness) -> Result<Blob<'a>, Error> {
        let odd = || Error::LengthMismatch {
            field: Field::Blob,
            expected: (bytes.len() as u64).saturating_add(1),
            actual: bytes.len() as u64,
        };
        Ok(match (dtype, endianness) {
            (Dtype::U8, _) => Blob::U8(bytes),
            (Dtype::U16, Endianness::Little) => {
                Blob::U16Le(<[U16Le]>::ref_from_bytes(bytes).map_err(|_| odd())?)
            }
            (Dtype::U16, Endianness::Big) => {
                Blob::U16Be(<[U16Be]>::ref_from_bytes(bytes).map_err(|_| odd())?)
            }
        })
    }

    /// Number of levels.
    pub fn len(&self) -> usize {
        match self {
            Blob::U8(s) => s.len(),
            Blob::U16Le(s) => s.len(),
            Blob::U16Be(s) => s.len(),
        }
    }

    /// Whether the blob is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        match self {
            Blob::U8(s) => s,
            Blob::U16Le(s) => s.as_bytes(),
            Blob::U16Be(s) => s.as_bytes(),
        }
    }

    /// The dtype.
    pub fn dtype(&self) -> Dtype {
        match self {
            Blob::U8(_) => Dtype::U8,
            _ => Dtype::U16,
        }
    }

    /// Level `i`, or `None` past the end.
    pub fn get(&self, i: usize) -> Option<u16> {
        match self {
            Blob::U8(s) => s.get(i).map(|&v| u16::from(v)),
            Blob::U16Le(s) => s.get(i).map(|v| v.get()),
            Blob::U16Be(s) => s.get(i).map(|v| v.get()),
        }
    }

    /// The levels as native `u16`.
    pub fn iter(&self) -> BlobIter<'a> {
        BlobIter {
            blob: *self,
            pos: 0,
        }
    }

    /// Copies the levels into `dst` (exactly [`Blob::len`] elements) as native `u16`.
    pub fn copy_to_u16(&self, dst: &mut [u16]) -> Result<(), Error> {
        if dst.len() != self.len() {
            return Err(Error::LengthMismatch {
                field: Field::Blob,
                expected: self.len() as u64,
                actual: dst.len() as u64,
            });
        }
        match self {
            Blob::U8(s) => {
                for (d, &v) in dst.iter_mut().zip(s.iter()) {
                    *d = u16::from(v);
                }
            }
            Blob::U16Le(s) => {
                #[cfg(target_endian = "little")]
                crate::copy_exact(dst.as_mut_bytes(), s.as_bytes());
                #[cfg(not(target_endian = "little"))]
                for (d, v) in dst.iter_mut().zip(s.iter()) {
                    *d = v.get();
                }
            }
            Blob::U16Be(s) => {
                for (d, v) in dst.iter_mut().zip(s.iter()) {
                    *d = v.get();
                }
            }
        }
        Ok(())
    }
}

/// Iterator over the levels of a [`Blob`].
#[derive(Debug, Clone)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct BlobIter<'a> {
    blob: Blob<'a>,
    pos: usize,
}

impl Iterator for BlobIter<'_> {
    type Item = u16;

    fn next(&mut self) -> Option<u16> {
        let v = self.blob.get(self.pos)?;
        self.pos = self.pos.saturating_add(1);
        Some(v)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.blob.len().saturating_sub(self.pos);
        (n, Some(n))
    }
}

impl ExactSizeIterator for BlobIter<'_> {}

/// A decoded VCBN envelope: header, header JSON and blob, all borrowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame<'a> {
    header: Header,
    json: &'a str,
    blob: Blob<'a>,
}

#[cfg(feature = "defmt")]
impl defmt::Format for Frame<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "vcbn::Frame {{ header: {}, blob: {} }}",
            self.header,
            self.blob
        )
    }
}

impl<'a> Frame<'a> {
    /// The header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The header JSON as it was received.
    pub fn json(&self) -> &'a str {
        self.json
    }

    /// The blob view.
    pub fn blob(&self) -> Blob<'a> {
        self.blob
    }

    /// Dequantizes the blob into `dst` (exactly `H*W` elements) with the
    /// header's `vmin`, `vmax` and `resolution`.
    pub fn dequantize_into(&self, dst: &mut [f32]) -> Result<(), Error> {
        if dst.len() != self.blob.len() {
            return Err(Error::LengthMismatch {
                field: Field::Blob,
                expected: self.blob.len() as u64,
                actual: dst.len() as u64,
            });
        }
        let d = self.header.dequantizer();
        // One loop per blob type (not the per-element `Blob::get`), so each
        // vectorizes.
        match self.blob {
            Blob::U8(s) => d.run(s, dst),
            Blob::U16Le(s) => d.run(s, dst),
            Blob::U16Be(s) => d.run(s, dst),
        }
    }
}

/// Decodes one whole envelope (a WebSocket message, a file) with the default
/// [`Limits`]. See [`decode_with`].
pub fn decode(bytes: &[u8]) -> Result<Frame<'_>, Error> {
    decode_with(bytes, &Limits::DEFAULT)
}

/// Decodes one whole envelope. Validation runs in this order, each step with
/// its own error: at least 9 bytes; magic; version ≥ 1; `HEADER_LEN` within
/// the limit; the header and pad present; UTF-8; JSON (nesting within the
/// limit); the keys and their types; `H*W*elem_size` without overflow; and
/// last, that exactly `H*W*elem_size` bytes of blob follow
/// ([`Error::Truncated`] or [`Error::TrailingBytes`]). The pad byte's value is
/// not checked.
pub fn decode_with<'a>(bytes: &'a [u8], limits: &Limits) -> Result<Frame<'a>, Error> {
    let prefix = Prefix::parse(bytes, limits)?;
    let available = bytes.len() as u64;
    let blob_offset = prefix.blob_offset();
    if available < blob_offset {
        return Err(Error::Truncated {
            needed: blob_offset,
            available,
        });
    }
    let json_end = PREFIX_LEN.saturating_add(prefix.header_len as usize);
    let json_bytes = bytes.get(PREFIX_LEN..json_end).ok_or(Error::Truncated {
        needed: blob_offset,
        available,
    })?;
    let header = Header::parse_json(json_bytes, limits)
        .map_err(|e| e.shifted(PREFIX_LEN as u64))?
        .with_prefix(&prefix);
    // UTF-8 was checked by parse_json.
    let json = core::str::from_utf8(json_bytes).unwrap_or("");
    let blob_len = usize::try_from(header.blob_len).map_err(|_| Error::SizeOverflow {
        field: Field::Shape,
    })?;
    let total = blob_offset.saturating_add(header.blob_len);
    if available < total {
        return Err(Error::Truncated {
            needed: total,
            available,
        });
    }
    if available > total {
        return Err(Error::TrailingBytes {
            expected: total,
            actual: available,
        });
    }
    let start = usize::try_from(blob_offset).map_err(|_| Error::SizeOverflow {
        field: Field::HeaderLen,
    })?;
    let blob_bytes =
        bytes
            .get(start..)
            .filter(|b| b.len() == blob_len)
            .ok_or(Error::Truncated {
                needed: total,
                available,
            })?;
    let blob = Blob::new(blob_bytes, header.dtype, header.endianness)?;
    Ok(Frame { header, json, blob })
}

/// What the encoder needs besides the samples.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Params {
    /// Level type.
    pub dtype: Dtype,
    /// Lower end of the range.
    pub vmin: f64,
    /// Upper end of the range.
    pub vmax: f64,
}

impl Params {
    /// Parameters for `dtype` and the range `vmin..vmax`. (`vmin >= vmax` is
    /// allowed: every level is then 0, as in the seed.)
    pub const fn new(dtype: Dtype, vmin: f64, vmax: f64) -> Params {
        Params { dtype, vmin, vmax }
    }

    fn check(&self) -> Result<(), Error> {
        if !self.vmin.is_finite() {
            return Err(Error::NonFiniteRange { field: Field::Vmin });
        }
        if !self.vmax.is_finite() {
            return Err(Error::NonFiniteRange { field: Field::Vmax });
        }
        Ok(())
    }

    /// The quantizer for these parameters.
    pub fn quantizer(&self) -> Quantizer {
        Quantizer::new(self.vmin, self.vmax, self.dtype.resolution())
    }
}

/// Checks that a frame with a `json_len`-byte header JSON and a `blob_len`-
/// byte blob (plus the prefix and a pad byte) can be counted in u64; else no
/// length said about it would be true. The decoder and the encoders apply
/// this same rule, so neither accepts what the other refuses.
fn check_frame_len(blob_len: u64, json_len: usize) -> Result<(), Error> {
    (PREFIX_LEN as u64)
        .checked_add(json_len as u64)
        .and_then(|head| head.checked_add(1))
        .and_then(|head| head.checked_add(blob_len))
        .map(|_| ())
        .ok_or(Error::SizeOverflow {
            field: Field::Shape,
        })
}

fn blob_len_of(shape: [u64; 2], dtype: Dtype) -> Result<u64, Error> {
    let [h, w] = shape;
    h.checked_mul(w)
        .and_then(|n| n.checked_mul(dtype.size()))
        .ok_or(Error::SizeOverflow {
            field: Field::Shape,
        })
}

/// Writes the canonical header JSON, exactly as Python's
/// `json.dumps(header, separators=(",", ":"))` writes the seed's dict.
fn write_json<W: Write>(w: &mut W, shape: [u64; 2], params: &Params, blob_len: u64) -> fmt::Result {
    // Plain `write_str` calls and framewire's own number writers: no
    // `core::fmt` formatting (its bounds checks are panic paths).
    let [h, wd] = shape;
    w.write_str("{\"fmt\":\"vcbin\",\"version\":1,\"dtype\":\"")?;
    w.write_str(params.dtype.name())?;
    w.write_str("\",\"endianness\":\"LE\",\"shape\":[")?;
    json::write_u64(w, h, 1)?;
    w.write_char(',')?;
    json::write_u64(w, wd, 1)?;
    w.write_str("],\"order\":\"C\",\"size\":")?;
    // BLOB size in MiB: Python's len / 1048576. Dividing by a power of two is
    // exact, so rounding blob_len to f64 first gives Python's correctly
    // rounded true division.
    json::write_f64(w, blob_len as f64 / 1_048_576.0)?;
    w.write_str(",\"resolution\":")?;
    json::write_u64(w, u64::from(params.dtype.resolution()), 1)?;
    w.write_str(",\"vmin\":")?;
    json::write_f64(w, params.vmin)?;
    w.write_str(",\"vmax\":")?;
    json::write_f64(w, params.vmax)?;
    w.write_char('}')
}

/// Length of the canonical header JSON for these parameters.
pub fn header_json_len(shape: [u64; 2], params: &Params) -> Result<usize, Error> {
    params.check()?;
    let blob_len = blob_len_of(shape, params.dtype)?;
    let mut c = Counter::default();
    write_json(&mut c, shape, params, blob_len).map_err(|_| Error::SizeOverflow {
        field: Field::HeaderLen,
    })?;
    check_frame_len(blob_len, c.len)?;
    Ok(c.len)
}

/// Bytes before the blob (prefix, JSON, pad) for these parameters.
pub fn header_len_total(shape: [u64; 2], params: &Params) -> Result<usize, Error> {
    let json_len = header_json_len(shape, params)?;
    let pad = usize::from(json_len % 2 == 0);
    Ok(PREFIX_LEN.saturating_add(json_len).saturating_add(pad))
}

/// The exact envelope size for an `[H, W]` frame with these parameters.
pub fn encoded_len(shape: [u64; 2], params: &Params) -> Result<usize, Error> {
    let head = header_len_total(shape, params)?;
    let blob =
        usize::try_from(blob_len_of(shape, params.dtype)?).map_err(|_| Error::SizeOverflow {
            field: Field::Shape,
        })?;
    head.checked_add(blob).ok_or(Error::SizeOverflow {
        field: Field::Shape,
    })
}

/// Writes magic, version, `HEADER_LEN`, the canonical JSON and the pad into
/// `out`; returns the bytes written (the blob goes right after). This is what
/// the streaming encoders send first.
pub fn write_header(shape: [u64; 2], params: &Params, out: &mut [u8]) -> Result<usize, Error> {
    let json_len = header_json_len(shape, params)?;
    let need = header_len_total(shape, params)?;
    let blob_len = blob_len_of(shape, params.dtype)?;
    if out.len() < need {
        return Err(Error::BufferTooSmall {
            needed: need as u64,
            available: out.len() as u64,
        });
    }
    let json_len = u32::try_from(json_len).map_err(|_| Error::SizeOverflow {
        field: Field::HeaderLen,
    })?;
    let mut w = SliceWriter::new(out);
    let overflow = |_| Error::BufferTooSmall {
        needed: need as u64,
        available: 0,
    };
    w.write_bytes(&MAGIC).map_err(overflow)?;
    w.write_bytes(&[VERSION]).map_err(overflow)?;
    w.write_bytes(&json_len.to_be_bytes()).map_err(overflow)?;
    write_json(&mut w, shape, params, blob_len).map_err(overflow)?;
    if w.len() % 2 == 1 {
        w.write_bytes(&[0]).map_err(overflow)?;
    }
    Ok(w.len())
}

fn shape_of(shape: [usize; 2]) -> [u64; 2] {
    let [h, w] = shape;
    [h as u64, w as u64]
}

fn check_samples(n: usize, shape: [u64; 2]) -> Result<(), Error> {
    let [h, w] = shape;
    let want = h.checked_mul(w).ok_or(Error::SizeOverflow {
        field: Field::Shape,
    })?;
    if n as u64 != want {
        return Err(Error::LengthMismatch {
            field: Field::Samples,
            expected: want,
            actual: n as u64,
        });
    }
    Ok(())
}

/// Splits `out` into the header part and exactly `blob_len` bytes of blob,
/// after writing the header. Returns the blob slice and the total length.
fn header_then_blob<'o>(
    shape: [u64; 2],
    params: &Params,
    out: &'o mut [u8],
) -> Result<(&'o mut [u8], usize), Error> {
    let total = encoded_len(shape, params)?;
    if out.len() < total {
        return Err(Error::BufferTooSmall {
            needed: total as u64,
            available: out.len() as u64,
        });
    }
    let head = write_header(shape, params, out)?;
    let blob = out.get_mut(head..total).ok_or(Error::BufferTooSmall {
        needed: total as u64,
        available: 0,
    })?;
    Ok((blob, total))
}

/// Quantizes `samples` (exactly `H*W` of them, C order) and writes the whole
/// envelope into `out`; returns its length ([`encoded_len`]).
///
/// Byte-identical to the seed's Python `pack_envelope(*encode_data(arr, vmin,
/// vmax, dtype))` for the same values. Errors: [`Error::NonFiniteRange`],
/// [`Error::LengthMismatch`] (sample count vs shape),
/// [`Error::BufferTooSmall`], [`Error::SizeOverflow`].
pub fn encode(
    samples: Samples<'_>,
    shape: [usize; 2],
    params: &Params,
    out: &mut [u8],
) -> Result<usize, Error> {
    let shape = shape_of(shape);
    params.check()?;
    check_samples(samples.len(), shape)?;
    let (blob, total) = header_then_blob(shape, params, out)?;
    let q = params.quantizer();
    match params.dtype {
        Dtype::U8 => samples.quantize_into(&q, blob)?,
        Dtype::U16 => {
            let levels = <[U16Le]>::mut_from_bytes(blob).map_err(|_| Error::SizeOverflow {
                field: Field::Shape,
            })?;
            samples.quantize_into(&q, levels)?;
        }
    }
    Ok(total)
}

/// Levels that are already quantized, for [`encode_levels`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Levels<'a> {
    /// `uint8` levels.
    U8(&'a [u8]),
    /// Native `uint16` levels.
    U16(&'a [u16]),
    /// A decoded blob (any byte order); written little-endian.
    Blob(Blob<'a>),
}

/// Shows the kind and the number of levels, not the levels.
#[cfg(feature = "defmt")]
impl defmt::Format for Levels<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        match self {
            Levels::U8(s) => defmt::write!(f, "Levels::U8({=usize} levels)", s.len()),
            Levels::U16(s) => defmt::write!(f, "Levels::U16({=usize} levels)", s.len()),
            Levels::Blob(b) => defmt::write!(f, "Levels::Blob({})", b),
        }
    }
}

impl Levels<'_> {
    fn len(&self) -> usize {
        match self {
            Levels::U8(s) => s.len(),
            Levels::U16(s) => s.len(),
            Levels::Blob(b) => b.len(),
        }
    }

    fn dtype(&self) -> Dtype {
        match self {
            Levels::U8(_) => Dtype::U8,
            Levels::U16(_) => Dtype::U16,
            Levels::Blob(b) => b.dtype(),
        }
    }
}

/// Writes an envelope around levels that are already quantized (written as
/// given, little-endian). The dtype comes from `levels`.
pub fn encode_levels(
    levels: Levels<'_>,
    shape: [usize; 2],
    vmin: f64,
    vmax: f64,
    out: &mut [u8],
) -> Result<usize, Error> {
    let shape = shape_of(shape);
    let params = Params::new(levels.dtype(), vmin, vmax);
    params.check()?;
    check_samples(levels.len(), shape)?;
    let (blob, total) = header_then_blob(shape, &params, out)?;
    match levels {
        Levels::U8(s) => copy_exact(blob, s),
        Levels::U16(s) => write_u16_le(s.iter().copied(), blob),
        Levels::Blob(Blob::U8(s)) => copy_exact(blob, s),
        Levels::Blob(Blob::U16Le(s)) => copy_exact(blob, s.as_bytes()),
        Levels::Blob(Blob::U16Be(s)) => write_u16_le(s.iter().map(|v| v.get()), blob),
    }
    Ok(total)
}

/// Writes native `u16` levels as little-endian bytes into `blob` (exactly
/// two bytes per level; the callers checked the lengths). Viewing `blob` as
/// `[U16Le]` makes this a plain element copy (a byte swap on big-endian
/// targets), which the compiler turns into `memcpy`-speed code.
fn write_u16_le(levels: impl Iterator<Item = u16>, blob: &mut [u8]) {
    if let Ok(out) = <[U16Le]>::mut_from_bytes(blob) {
        for (d, v) in out.iter_mut().zip(levels) {
            *d = U16Le::new(v);
        }
    }
}
