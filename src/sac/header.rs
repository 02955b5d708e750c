//! The 24-byte SAC [`Header`], as a zerocopy view over the wire bytes.

use zerocopy::byteorder::little_endian::U32;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::copy_exact;
use crate::error::{Error, Field};
use crate::Shape;

use super::{ARRAYS_COUNT, DTYPE_INT16, EXPECTED_MAGIC, HEADER_LEN, MAGIC};

/// The 24-byte SAC v1 header, laid out exactly as on the wire.
///
/// All fields are alignment-1 (`U32<LE>` is four bytes in little-endian
/// order), so a `&Header` can point straight into any input buffer.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct Header {
    /// `"SAC1"`.
    pub magic: [u8; 4],
    /// Reserved flag bits; written as 0, not checked on decode.
    pub flags: u8,
    /// 1 = int16.
    pub dtype_code: u8,
    /// Number of arrays, 2.
    pub arrays_count: u8,
    /// Reserved; written as 0, not checked on decode.
    pub reserved: u8,
    /// Elements in array A.
    pub length_a: U32,
    /// Elements in array B.
    pub length_b: U32,
    /// Image width, 0 if unknown.
    pub width: U32,
    /// Image height, 0 if unknown.
    pub height: U32,
}

const _: () = assert!(core::mem::size_of::<Header>() == HEADER_LEN);
const _: () = assert!(core::mem::align_of::<Header>() == 1);

#[cfg(feature = "defmt")]
impl defmt::Format for Header {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "sac::Header {{ flags: {=u8}, dtype_code: {=u8}, arrays_count: {=u8}, reserved: {=u8}, length_a: {=u32}, length_b: {=u32}, width: {=u32}, height: {=u32} }}",
            self.flags,
            self.dtype_code,
            self.arrays_count,
            self.reserved,
            self.length_a.get(),
            self.length_b.get(),
            self.width.get(),
            self.height.get()
        )
    }
}

/// Checks `width * height` against both lengths (only when the product is
/// non-zero), as the reference decoder does. The product of two `u32` always
/// fits in `u64`.
fn check_shape(length_a: u64, length_b: u64, width: u32, height: u32) -> Result<(), Error> {
    let area = u64::from(width).saturating_mul(u64::from(height));
    if area != 0 && (length_a != area || length_b != area) {
        return Err(Error::ShapeMismatch {
            width,
            height,
            length_a,
            length_b,
        });
    }
    Ok(())
}

fn to_u32(len: u64, field: Field) -> Result<u32, Error> {
    u32::try_from(len).map_err(|_| Error::TooManyElements { field, len })
}

impl Header {
    /// The header the encoder writes for arrays of `length_a` and `length_b`
    /// elements and an image of `shape` ([`Shape::UNKNOWN`] if there is
    /// none): flags and reserved 0, and the reference encoder's checks
    /// (lengths, width and height must fit in `u32`,
    /// [`Error::TooManyElements`]; when width and height are both non-zero,
    /// both lengths must equal their product, [`Error::ShapeMismatch`]).
    pub fn new(length_a: usize, length_b: usize, shape: Shape) -> Result<Header, Error> {
        let la = to_u32(length_a as u64, Field::LengthA)?;
        let lb = to_u32(length_b as u64, Field::LengthB)?;
        let width = to_u32(shape.width(), Field::Width)?;
        let height = to_u32(shape.height(), Field::Height)?;
        check_shape(u64::from(la), u64::from(lb), width, height)?;
        Ok(Header {
            magic: MAGIC,
            flags: 0,
            dtype_code: DTYPE_INT16,
            arrays_count: ARRAYS_COUNT,
            reserved: 0,
            length_a: U32::new(la),
            length_b: U32::new(lb),
            width: U32::new(width),
            height: U32::new(height),
        })
    }

    /// Reads and validates the header at the start of `bytes` (which may hold
    /// more: the payload is not looked at). Checks, in order: at least 24
    /// bytes, magic, dtype_code, arrays_count, and the shape rule.
    pub fn parse(bytes: &[u8]) -> Result<&Header, Error> {
        let (header, _rest) = Header::ref_from_prefix(bytes).map_err(|_| Error::Truncated {
            needed: HEADER_LEN as u64,
            available: bytes.len() as u64,
        })?;
        header.validate()?;
        Ok(header)
    }

    /// Applies the decoder's rules to a header already in memory.
    pub fn validate(&self) -> Result<(), Error> {
        if self.magic != MAGIC {
            return Err(Error::BadMagic {
                found: self.magic,
                expected: EXPECTED_MAGIC,
            });
        }
        if self.dtype_code != DTYPE_INT16 {
            return Err(Error::UnsupportedDtypeCode {
                code: self.dtype_code,
            });
        }
        if self.arrays_count != ARRAYS_COUNT {
            return Err(Error::UnsupportedArrayCount {
                count: self.arrays_count,
            });
        }
        check_shape(
            u64::from(self.length_a.get()),
            u64::from(self.length_b.get()),
            self.width.get(),
            self.height.get(),
        )
    }

    /// Elements in array A.
    pub fn length_a(&self) -> u32 {
        self.length_a.get()
    }

    /// Elements in array B.
    pub fn length_b(&self) -> u32 {
        self.length_b.get()
    }

    /// Image width (0 = unknown).
    pub fn width(&self) -> u32 {
        self.width.get()
    }

    /// Image height (0 = unknown).
    pub fn height(&self) -> u32 {
        self.height.get()
    }

    /// The image's shape, `height` rows of `width` ([`Shape::UNKNOWN`] when
    /// both are 0).
    pub fn shape(&self) -> Shape {
        Shape::new(u64::from(self.height()), u64::from(self.width()))
    }

    /// Bytes of payload A.
    pub fn len_a_bytes(&self) -> u64 {
        u64::from(self.length_a.get()).saturating_mul(2)
    }

    /// Bytes of payload B.
    pub fn len_b_bytes(&self) -> u64 {
        u64::from(self.length_b.get()).saturating_mul(2)
    }

    /// The whole frame's length in bytes, `24 + 2*length_a + 2*length_b`.
    /// Exact: at most about 16 GiB, so it always fits in `u64`.
    pub fn frame_len(&self) -> u64 {
        (HEADER_LEN as u64)
            .saturating_add(self.len_a_bytes())
            .saturating_add(self.len_b_bytes())
    }

    /// The header's 24 bytes.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        copy_exact(&mut out, self.as_bytes());
        out
    }
}
