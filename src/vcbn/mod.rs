//! The VCBN envelope v1: a quantized 2-D array with a JSON header, for
//! WebSockets to a canvas. Every byte and rule is in
//! [`docs/FORMATS.md`](https://github.com/framewire/framewire/blob/main/docs/FORMATS.md#3-the-vcbn-envelope-v1).
//!
//! ```text
//! MAGIC(4) "VCBN" | VERSION(1) = 1 | HEADER_LEN(4, u32 BE) | HEADER_JSON | PAD | BLOB
//! ```
//!
//! `HEADER_LEN` is the length of the JSON alone; everywhere in this crate
//! that length is called `json_len`, and the bytes before the blob (prefix,
//! JSON and pad) are the `blob_offset`. PAD is one zero byte when
//! `9 + json_len` is odd, so BLOB starts on a 2-byte boundary. BLOB is `H*W`
//! `uint8` or `uint16` (little-endian) levels in C order; its length comes
//! from the header.
//!
//! The module is split by job:
//!
//! - `header`: [`Prefix`] and [`Header`] (parsing the JSON);
//! - `blob`: the zero-copy [`Blob`] view;
//! - `decode`: [`decode`], [`decode_with`], [`take_from_bytes`] and [`Frame`];
//! - `encode`: [`Params`], [`encode`], [`encode_levels`], [`encoded_len`],
//!   and the sans-I/O streaming [`Encoder`].
//!
//! **Encoding** quantizes float samples ([`crate::quant`]), writes the
//! canonical header (byte-identical to what Python's `json.dumps` writes for
//! the same header dict, float formatting included), pads, and writes the
//! blob, all into a caller's buffer sized with [`encoded_len`].
//!
//! **Decoding** is liberal: the magics `VCBN`, `IMPK` and `CBIN`; any version
//! from 1; keys in any order; unknown keys; any JSON whitespace; numbers in
//! any JSON form; big-endian `uint16` blobs; defaults for the optional keys.
//! It returns the [`Header`] and a zero-copy [`Blob`] view.
//!
//! ```
//! use framewire::{vcbn::{self, Dtype, Params}, Shape};
//!
//! let samples = [0.0f32, 0.25, 0.5, 0.75, 1.0, f32::NAN];
//! let params = Params::new(Dtype::U16, 0.0, 1.0);
//! let mut buf = [0u8; 256];
//! let n = vcbn::encode(samples[..].into(), Shape::new(2, 3), &params, &mut buf)?;
//!
//! let frame = vcbn::decode(&buf[..n])?;
//! assert_eq!(frame.header().shape(), Shape::new(2, 3));
//! assert_eq!(frame.header().dtype(), Dtype::U16);
//! let levels: Vec<u16> = frame.blob().iter().collect();
//! assert_eq!(levels, [0, 1024, 2048, 3072, 4096, 0]);
//! assert!(frame.json().starts_with(r#"{"fmt":"vcbin","version":1,"dtype":"uint16""#));
//! # Ok::<(), framewire::Error>(())
//! ```

mod blob;
mod decode;
mod encode;
mod header;

pub use blob::{Blob, BlobIter};
pub use decode::{decode, decode_with, take_from_bytes, Frame};
#[cfg(feature = "alloc")]
pub use encode::encode_to_vec;
pub use encode::{encode, encode_levels, encoded_len, Encoder, Levels, Params};
pub use header::{Header, Prefix};

pub(crate) use header::{blob_len_of, check_frame_len, pad_len};

use crate::json;
use crate::quant::{RESOLUTION_U16, RESOLUTION_U8};

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
/// The default limit on `HEADER_LEN`, the length of the header JSON (64 KiB).
/// The canonical JSON is under 250 bytes; configure a decoder with
/// [`Limits`] for more or less.
pub const DEFAULT_MAX_JSON_LEN: u32 = 64 * 1024;
/// The largest [`Encoder::blob_offset`] (prefix, canonical JSON and pad) the
/// encoder can write, whatever the shape and range: a stack buffer of this
/// size always holds the header.
pub const MAX_CANONICAL_BLOB_OFFSET: usize = 320;
/// The default nesting limit for the header JSON (32).
pub const DEFAULT_MAX_DEPTH: u32 = json::DEFAULT_MAX_DEPTH;
/// The highest nesting limit [`Limits::with_max_depth`] accepts (256).
pub const MAX_DEPTH_CAP: u32 = json::MAX_DEPTH_CAP;

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
/// [`DEFAULT_MAX_JSON_LEN`] and [`DEFAULT_MAX_DEPTH`].
///
/// ```
/// use framewire::vcbn::Limits;
///
/// let limits = Limits::DEFAULT.with_max_json_len(1024).with_max_depth(8);
/// assert_eq!((limits.max_json_len(), limits.max_depth()), (1024, 8));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Limits {
    max_json_len: u32,
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
        max_json_len: DEFAULT_MAX_JSON_LEN,
        max_depth: DEFAULT_MAX_DEPTH,
    };

    /// Sets the largest `HEADER_LEN` (header JSON length) accepted.
    #[must_use]
    pub const fn with_max_json_len(mut self, len: u32) -> Self {
        self.max_json_len = len;
        self
    }

    /// Sets the JSON nesting limit (clamped to [`MAX_DEPTH_CAP`]).
    #[must_use]
    pub const fn with_max_depth(mut self, depth: u32) -> Self {
        self.max_depth = if depth > json::MAX_DEPTH_CAP {
            json::MAX_DEPTH_CAP
        } else {
            depth
        };
        self
    }

    /// The largest `HEADER_LEN` (header JSON length) accepted.
    pub const fn max_json_len(&self) -> u32 {
        self.max_json_len
    }

    /// The JSON nesting limit.
    pub const fn max_depth(&self) -> u32 {
        self.max_depth
    }
}
