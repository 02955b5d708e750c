//! imgpack's latest layout: what the imgpack Python package writes today.
//! Every byte and rule is in
//! [`docs/FORMATS.md`](https://github.com/framewire/framewire/blob/main/docs/FORMATS.md#8-imgpacks-latest-layout).
//!
//! ```text
//! HEADER_LEN(4, u32 BE) | HEADER_JSON | PAD | BLOB
//! ```
//!
//! No magic and no version byte. PAD is `(-(4 + HEADER_LEN)) mod elem_size`
//! zero bytes, so BLOB starts at a multiple of the element size (1 for
//! `packed` and `uint8`, 2 for `uint16`/`float16`, 4 for
//! `uint32`/`float32`, 8 for `float64`). BLOB holds `H*W` values in C order:
//!
//! - `uint8`/`uint16`/`uint32`: levels quantized to `bits` bits, in the
//!   container type, little- or big-endian;
//! - `packed`: the same `bits`-bit levels (1..=32) as one LSB-first bit
//!   stream of exactly `ceil(H*W*bits/8)` bytes;
//! - `float16`/`float32`/`float64`: the raw IEEE values, not quantized.
//!
//! The module is split by job:
//!
//! - `header`: [`Header`] (parsing the JSON, every key, `null`s included);
//! - `data`: the zero-copy [`Data`] view, the [`Packed`] bit-stream reader
//!   and the copy-outs;
//! - `decode`: [`decode`], [`decode_with`], [`take_from_bytes`] and [`Frame`];
//! - `encode`: [`Params`], [`encode`], [`encoded_len`] and the sans-I/O
//!   streaming [`Encoder`].
//!
//! **Decoding** is strict where imgpack's own decoders are lax: the blob
//! must be exactly as long as the header says, `bits` must fit the dtype,
//! and `endianness` is honoured. **Encoding** is byte-identical to imgpack's
//! `encode(data, vmin, vmax, dtype=..., bits=..., endianness=...)`,
//! header JSON and float formatting included.
//!
//! Without a magic, this layout is recognised only in a single message (a
//! WebSocket message, a file): [`crate::frame::Format::detect`] takes it
//! when the first four bytes are no known magic and byte 4 opens a JSON
//! object. The stream decoder ([`crate::stream`]) does not look for it: in
//! a byte stream it cannot be told from garbage.
//!
//! ```
//! use framewire::{imgpack::{self, Dtype, Params}, Shape};
//!
//! let samples = [0.0f32, 0.5, 1.0, f32::NAN];
//! let params = Params::new(Dtype::Packed, 0.0, 1.0).with_bits(12);
//! let mut buf = [0u8; 256];
//! let n = imgpack::encode(samples[..].into(), Shape::new(2, 2), &params, &mut buf)?;
//!
//! let frame = imgpack::decode(&buf[..n])?;
//! assert_eq!(frame.header().bits(), Some(12));
//! let levels: Vec<u32> = frame.data().levels()?.collect();
//! assert_eq!(levels, [0, 2047, 4095, 0]);
//! assert!(frame.json().starts_with(r#"{"format":"imgpack","version":1,"dtype":"packed","endianness":null"#));
//! # Ok::<(), framewire::Error>(())
//! ```

mod data;
mod decode;
mod encode;
mod header;
mod pack;

pub use data::{f16_to_f32, Data, Levels, Packed, PackedIter};
pub use decode::{decode, decode_with, take_from_bytes, Frame};
#[cfg(feature = "alloc")]
pub use encode::encode_to_vec;
pub use encode::{encode, encoded_len, Encoder, Input, Params, MAX_BLOB_OFFSET};
pub use header::{Dequantizer, Header};
pub use pack::pack_levels;

pub use crate::vcbn::{Endianness, Limits, Order};

use crate::error::{Error, Field};
use crate::Shape;

/// Bytes before the header JSON: the `HEADER_LEN` field.
pub const PREFIX_LEN: usize = 4;
/// The `format` value imgpack writes.
pub const FORMAT_NAME: &str = "imgpack";
/// The `bits` imgpack's `encode` uses when none is given.
pub const DEFAULT_BITS: u32 = 12;

/// The dtype of the blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Dtype {
    /// `"packed"`: `bits`-bit levels (1..=32) as one LSB-first bit stream.
    Packed,
    /// `"uint8"`: `bits`-bit levels (1..=8), one byte each.
    U8,
    /// `"uint16"`: `bits`-bit levels (1..=16) in `u16`.
    U16,
    /// `"uint32"`: `bits`-bit levels (1..=32) in `u32`.
    U32,
    /// `"float16"`: raw IEEE binary16 values.
    F16,
    /// `"float32"`: raw IEEE binary32 values.
    F32,
    /// `"float64"`: raw IEEE binary64 values.
    F64,
}

impl Dtype {
    /// Every dtype, in the order of `docs/FORMATS.md`.
    pub const ALL: [Dtype; 7] = [
        Dtype::Packed,
        Dtype::U8,
        Dtype::U16,
        Dtype::U32,
        Dtype::F16,
        Dtype::F32,
        Dtype::F64,
    ];

    /// The name used in the header.
    pub const fn name(self) -> &'static str {
        match self {
            Dtype::Packed => "packed",
            Dtype::U8 => "uint8",
            Dtype::U16 => "uint16",
            Dtype::U32 => "uint32",
            Dtype::F16 => "float16",
            Dtype::F32 => "float32",
            Dtype::F64 => "float64",
        }
    }

    /// The dtype of a header name.
    pub fn from_name(name: &str) -> Option<Dtype> {
        Dtype::ALL.into_iter().find(|d| d.name() == name)
    }

    /// The element size the blob is aligned to: 1 for `packed` and
    /// `uint8`, else the size of one value.
    pub const fn elem_size(self) -> u64 {
        match self {
            Dtype::Packed | Dtype::U8 => 1,
            Dtype::U16 | Dtype::F16 => 2,
            Dtype::U32 | Dtype::F32 => 4,
            Dtype::F64 => 8,
        }
    }

    /// The largest `bits` of an n-bit dtype (`None` for the float dtypes).
    pub const fn max_bits(self) -> Option<u32> {
        match self {
            Dtype::Packed | Dtype::U32 => Some(32),
            Dtype::U8 => Some(8),
            Dtype::U16 => Some(16),
            Dtype::F16 | Dtype::F32 | Dtype::F64 => None,
        }
    }

    /// Whether the blob holds raw floats (not quantized levels).
    pub const fn is_float(self) -> bool {
        self.max_bits().is_none()
    }

    /// Whether the byte order (`endianness`) matters for this dtype.
    pub const fn has_byte_order(self) -> bool {
        !matches!(self, Dtype::Packed | Dtype::U8)
    }

    /// The width of the levels a decoder returns for `bits`: the smallest of
    /// 8/16/32 that holds `bits` for `packed`, the container for
    /// `uint8/16/32`, `None` for the floats.
    pub const fn level_bits(self, bits: u32) -> Option<u32> {
        match self {
            Dtype::Packed if bits <= 8 => Some(8),
            Dtype::Packed if bits <= 16 => Some(16),
            Dtype::Packed => Some(32),
            Dtype::U8 => Some(8),
            Dtype::U16 => Some(16),
            Dtype::U32 => Some(32),
            Dtype::F16 | Dtype::F32 | Dtype::F64 => None,
        }
    }
}

/// `(-(4 + json_len)) mod elem_size`: the zero bytes between the JSON and
/// the blob (imgpack's `(-offset) & (elem_size - 1)`).
pub(crate) const fn pad_len(json_len: u32, dtype: Dtype) -> u32 {
    let mask: u32 = match dtype {
        Dtype::Packed | Dtype::U8 => 0,
        Dtype::U16 | Dtype::F16 => 1,
        Dtype::U32 | Dtype::F32 => 3,
        Dtype::F64 => 7,
    };
    (PREFIX_LEN as u32).wrapping_add(json_len).wrapping_neg() & mask
}

/// `4 + json_len + pad`.
pub(crate) const fn blob_offset(json_len: u32, dtype: Dtype) -> u64 {
    (PREFIX_LEN as u64)
        .saturating_add(json_len as u64)
        .saturating_add(pad_len(json_len, dtype) as u64)
}

/// Bytes of blob for `shape`, `dtype` and `bits` (ignored for the floats):
/// `H*W*elem_size`, or `ceil(H*W*bits/8)` for `packed`; checked.
pub(crate) fn blob_len_of(shape: Shape, dtype: Dtype, bits: u32) -> Result<u64, Error> {
    let overflow = Error::SizeOverflow {
        field: Field::Shape,
    };
    let n = shape.elements().ok_or(overflow)?;
    let len = match dtype {
        Dtype::Packed => n
            .checked_mul(u64::from(bits))
            .map(|b| b.div_ceil(8))
            .ok_or(overflow)?,
        _ => n.checked_mul(dtype.elem_size()).ok_or(overflow)?,
    };
    // The whole message must also fit in u64 with the largest JSON and pad.
    len.checked_add(u64::from(u32::MAX))
        .and_then(|l| l.checked_add(PREFIX_LEN as u64))
        .and_then(|l| l.checked_add(8))
        .ok_or(overflow)?;
    Ok(len)
}
