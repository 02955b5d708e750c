//! [`Data`]: the values of a decoded imgpack frame, viewed in place, and
//! [`Packed`]: the `packed` bit stream, read by an iterator.

use zerocopy::byteorder::big_endian::{F32 as F32Be, F64 as F64Be, U16 as U16Be, U32 as U32Be};
use zerocopy::byteorder::little_endian::{F32 as F32Le, F64 as F64Le, U16 as U16Le, U32 as U32Le};
use zerocopy::{FromBytes, IntoBytes};

use crate::error::{Error, Field};

use super::{Dtype, Endianness};

/// IEEE binary16 bits to `f32` (exact: every `f16` is an `f32`), NaN
/// payloads kept.
pub fn f16_to_f32(bits: u16) -> f32 {
    half::f16::from_bits(bits).to_f32()
}

/// The `packed` bit stream: `len` levels of `bits` bits (1..=32), LSB
/// first: level `i` is bits `i*bits .. (i+1)*bits` of the stream, where bit
/// `k` is bit `k % 8` of byte `k / 8`. Exactly `ceil(len*bits/8)` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packed<'a> {
    bytes: &'a [u8],
    bits: u32,
    len: usize,
}

#[cfg(feature = "defmt")]
impl defmt::Format for Packed<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "Packed({=usize} levels of {=u32} bits)",
            self.len,
            self.bits
        )
    }
}

impl<'a> Packed<'a> {
    /// Views `bytes` as `len` levels of `bits` bits. Errors:
    /// [`Error::BitsOutOfRange`] for `bits` outside 1..=32,
    /// [`Error::LengthMismatch`] unless `bytes` is exactly
    /// `ceil(len*bits/8)` long.
    pub fn new(bytes: &'a [u8], bits: u32, len: usize) -> Result<Packed<'a>, Error> {
        if !(1..=32).contains(&bits) {
            return Err(Error::BitsOutOfRange { bits, max: 32 });
        }
        let want = (len as u64)
            .checked_mul(u64::from(bits))
            .map(|b| b.div_ceil(8))
            .ok_or(Error::SizeOverflow { field: Field::Blob })?;
        if bytes.len() as u64 != want {
            return Err(Error::LengthMismatch {
                field: Field::Blob,
                expected: want,
                actual: bytes.len() as u64,
            });
        }
        Ok(Packed { bytes, bits, len })
    }

    /// Bits per level.
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// Number of levels.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no levels.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The stream's bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Level `i`, or `None` past the end.
    pub fn get(&self, i: usize) -> Option<u32> {
        if i >= self.len {
            return None;
        }
        let bit = (i as u64).checked_mul(u64::from(self.bits))?;
        let first = usize::try_from(bit / 8).ok()?;
        let shift = (bit % 8) as u32;
        let mut acc = 0u64;
        for (k, &b) in self.bytes.get(first..)?.iter().take(5).enumerate() {
            acc |= u64::from(b).wrapping_shl((k as u32).wrapping_mul(8));
        }
        Some((acc.wrapping_shr(shift) & mask(self.bits)) as u32)
    }

    /// The levels, in order.
    pub fn iter(&self) -> PackedIter<'a> {
        PackedIter {
            bytes: self.bytes,
            bits: self.bits,
            acc: 0,
            acc_bits: 0,
            left: self.len,
        }
    }
}

/// `2^bits - 1` for `bits` in 1..=32.
#[inline(always)]
fn mask(bits: u32) -> u64 {
    1u64.checked_shl(bits)
        .map_or(u64::MAX, |l| l.wrapping_sub(1))
}

/// Iterator over the levels of a [`Packed`] stream: one accumulator, a byte
/// in at a time, as imgpack's own `_unpack_nbits`.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PackedIter<'a> {
    bytes: &'a [u8],
    bits: u32,
    acc: u64,
    acc_bits: u32,
    left: usize,
}

impl Iterator for PackedIter<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        if self.left == 0 {
            return None;
        }
        // At most 7 bits are left over, so the accumulator holds at most
        // 7 + 32 bits.
        while self.acc_bits < self.bits {
            let (&b, rest) = self.bytes.split_first()?;
            self.bytes = rest;
            self.acc |= u64::from(b).wrapping_shl(self.acc_bits);
            self.acc_bits = self.acc_bits.wrapping_add(8);
        }
        let v = (self.acc & mask(self.bits)) as u32;
        self.acc = self.acc.wrapping_shr(self.bits);
        self.acc_bits = self.acc_bits.wrapping_sub(self.bits);
        self.left = self.left.wrapping_sub(1);
        Some(v)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for PackedIter<'_> {}

/// The blob of a decoded frame, viewed in place: levels (`packed`,
/// `uint8/16/32`) or raw floats, in the header's byte order. The float16
/// views hold the raw bits (see [`f16_to_f32`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Data<'a> {
    /// `packed` levels.
    Packed(Packed<'a>),
    /// `uint8` levels.
    U8(&'a [u8]),
    /// `uint16` levels, little-endian.
    U16Le(&'a [U16Le]),
    /// `uint16` levels, big-endian.
    U16Be(&'a [U16Be]),
    /// `uint32` levels, little-endian.
    U32Le(&'a [U32Le]),
    /// `uint32` levels, big-endian.
    U32Be(&'a [U32Be]),
    /// `float16` values (raw bits), little-endian.
    F16Le(&'a [U16Le]),
    /// `float16` values (raw bits), big-endian.
    F16Be(&'a [U16Be]),
    /// `float32` values, little-endian.
    F32Le(&'a [F32Le]),
    /// `float32` values, big-endian.
    F32Be(&'a [F32Be]),
    /// `float64` values, little-endian.
    F64Le(&'a [F64Le]),
    /// `float64` values, big-endian.
    F64Be(&'a [F64Be]),
}

#[cfg(feature = "defmt")]
impl defmt::Format for Data<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "Data({=str}, {=usize} values)",
            self.dtype().name(),
            self.len()
        )
    }
}

fn view<T: FromBytes + zerocopy::Immutable + zerocopy::KnownLayout>(
    bytes: &[u8],
    size: u64,
) -> Result<&[T], Error> {
    <[T]>::ref_from_bytes(bytes).map_err(|_| Error::LengthMismatch {
        field: Field::Blob,
        expected: (bytes.len() as u64).div_ceil(size).saturating_mul(size),
        actual: bytes.len() as u64,
    })
}

impl<'a> Data<'a> {
    /// Views `bytes` as `count` values of `dtype` in `order` (`bits` for
    /// the n-bit dtypes). [`Error::LengthMismatch`] unless `bytes` holds
    /// exactly `count` values.
    pub fn new(
        bytes: &'a [u8],
        dtype: Dtype,
        order: Endianness,
        bits: u32,
        count: usize,
    ) -> Result<Data<'a>, Error> {
        use Endianness::{Big, Little};
        let size = dtype.elem_size();
        let data = match (dtype, order) {
            (Dtype::Packed, _) => return Packed::new(bytes, bits, count).map(Data::Packed),
            (Dtype::U8, _) => Data::U8(bytes),
            (Dtype::U16, Little) => Data::U16Le(view(bytes, size)?),
            (Dtype::U16, Big) => Data::U16Be(view(bytes, size)?),
            (Dtype::U32, Little) => Data::U32Le(view(bytes, size)?),
            (Dtype::U32, Big) => Data::U32Be(view(bytes, size)?),
            (Dtype::F16, Little) => Data::F16Le(view(bytes, size)?),
            (Dtype::F16, Big) => Data::F16Be(view(bytes, size)?),
            (Dtype::F32, Little) => Data::F32Le(view(bytes, size)?),
            (Dtype::F32, Big) => Data::F32Be(view(bytes, size)?),
            (Dtype::F64, Little) => Data::F64Le(view(bytes, size)?),
            (Dtype::F64, Big) => Data::F64Be(view(bytes, size)?),
        };
        if data.len() != count {
            return Err(Error::LengthMismatch {
                field: Field::Blob,
                expected: (count as u64).saturating_mul(size),
                actual: bytes.len() as u64,
            });
        }
        Ok(data)
    }

    /// The dtype.
    pub fn dtype(&self) -> Dtype {
        match self {
            Data::Packed(_) => Dtype::Packed,
            Data::U8(_) => Dtype::U8,
            Data::U16Le(_) | Data::U16Be(_) => Dtype::U16,
            Data::U32Le(_) | Data::U32Be(_) => Dtype::U32,
            Data::F16Le(_) | Data::F16Be(_) => Dtype::F16,
            Data::F32Le(_) | Data::F32Be(_) => Dtype::F32,
            Data::F64Le(_) | Data::F64Be(_) => Dtype::F64,
        }
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Data::Packed(p) => p.len(),
            Data::U8(s) => s.len(),
            Data::U16Le(s) | Data::F16Le(s) => s.len(),
            Data::U16Be(s) | Data::F16Be(s) => s.len(),
            Data::U32Le(s) => s.len(),
            Data::U32Be(s) => s.len(),
            Data::F32Le(s) => s.len(),
            Data::F32Be(s) => s.len(),
            Data::F64Le(s) => s.len(),
            Data::F64Be(s) => s.len(),
        }
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The blob's bytes, as received.
    pub fn as_bytes(&self) -> &'a [u8] {
        match self {
            Data::Packed(p) => p.as_bytes(),
            Data::U8(s) => s,
            Data::U16Le(s) | Data::F16Le(s) => s.as_bytes(),
            Data::U16Be(s) | Data::F16Be(s) => s.as_bytes(),
            Data::U32Le(s) => s.as_bytes(),
            Data::U32Be(s) => s.as_bytes(),
            Data::F32Le(s) => s.as_bytes(),
            Data::F32Be(s) => s.as_bytes(),
            Data::F64Le(s) => s.as_bytes(),
            Data::F64Be(s) => s.as_bytes(),
        }
    }

    /// Width of the levels ([`Dtype::level_bits`]); an error for floats.
    pub fn level_bits(&self) -> Result<u32, Error> {
        let bits = match self {
            Data::Packed(p) => p.bits(),
            _ => 0,
        };
        self.dtype()
            .level_bits(bits)
            .ok_or(self.not(|| "n-bit levels"))
    }

    fn not(&self, needed: fn() -> &'static str) -> Error {
        Error::WrongDataKind {
            dtype: self.dtype().name(),
            needed: needed(),
        }
    }

    /// Level `i` of an n-bit dtype as native `u32`; `None` past the end or
    /// for the floats.
    pub fn level(&self, i: usize) -> Option<u32> {
        match self {
            Data::Packed(p) => p.get(i),
            Data::U8(s) => s.get(i).map(|&v| u32::from(v)),
            Data::U16Le(s) => s.get(i).map(|v| u32::from(v.get())),
            Data::U16Be(s) => s.get(i).map(|v| u32::from(v.get())),
            Data::U32Le(s) => s.get(i).map(|v| v.get()),
            Data::U32Be(s) => s.get(i).map(|v| v.get()),
            _ => None,
        }
    }

    /// The levels as native `u32`, in order; [`Error::WrongDataKind`] for
    /// the floats.
    pub fn levels(&self) -> Result<Levels<'a>, Error> {
        self.level_bits()?;
        Ok(match self {
            Data::Packed(p) => Levels::Packed(p.iter()),
            other => Levels::Plain {
                data: *other,
                pos: 0,
            },
        })
    }

    fn copy_levels<T>(
        &self,
        dst: &mut [T],
        dst_bits: u32,
        to: impl Fn(u32) -> T,
    ) -> Result<(), Error> {
        let level_bits = self.level_bits()?;
        if level_bits > dst_bits {
            return Err(Error::LevelsTooWide {
                level_bits,
                dst_bits,
            });
        }
        check_len(self.len(), dst.len())?;
        for (d, v) in dst.iter_mut().zip(self.levels()?) {
            *d = to(v);
        }
        Ok(())
    }

    /// Copies the levels into `dst` (exactly [`Data::len`] elements).
    /// Errors: [`Error::WrongDataKind`] for the floats,
    /// [`Error::LevelsTooWide`] unless the levels are 8-bit,
    /// [`Error::LengthMismatch`].
    pub fn copy_levels_to_u8(&self, dst: &mut [u8]) -> Result<(), Error> {
        // Each level fits: level_bits <= 8 was checked.
        self.copy_levels(dst, 8, |v| v as u8)
    }

    /// [`Data::copy_levels_to_u8`] for levels of at most 16 bits.
    pub fn copy_levels_to_u16(&self, dst: &mut [u16]) -> Result<(), Error> {
        self.copy_levels(dst, 16, |v| v as u16)
    }

    /// [`Data::copy_levels_to_u8`] for any levels.
    pub fn copy_levels_to_u32(&self, dst: &mut [u32]) -> Result<(), Error> {
        self.copy_levels(dst, 32, |v| v)
    }

    /// The raw bits of `float16` value `i`; `None` past the end or for
    /// other dtypes.
    pub fn f16_bits(&self, i: usize) -> Option<u16> {
        match self {
            Data::F16Le(s) => s.get(i).map(|v| v.get()),
            Data::F16Be(s) => s.get(i).map(|v| v.get()),
            _ => None,
        }
    }

    /// Float value `i` as `f64` (exact for every float dtype); `None` past
    /// the end or for the n-bit dtypes.
    pub fn float(&self, i: usize) -> Option<f64> {
        match self {
            Data::F16Le(_) | Data::F16Be(_) => self.f16_bits(i).map(|b| f64::from(f16_to_f32(b))),
            Data::F32Le(s) => s.get(i).map(|v| f64::from(v.get())),
            Data::F32Be(s) => s.get(i).map(|v| f64::from(v.get())),
            Data::F64Le(s) => s.get(i).map(|v| v.get()),
            Data::F64Be(s) => s.get(i).map(|v| v.get()),
            _ => None,
        }
    }

    /// Copies float values into `dst` (exactly [`Data::len`] elements) as
    /// `f32`: exact for `float16` and `float32`, rounded to nearest for
    /// `float64`. [`Error::WrongDataKind`] for the n-bit dtypes.
    pub fn copy_floats_to_f32(&self, dst: &mut [f32]) -> Result<(), Error> {
        check_len(self.len(), dst.len())?;
        match self {
            Data::F16Le(s) => zip_into(dst, s.iter().map(|v| f16_to_f32(v.get()))),
            Data::F16Be(s) => zip_into(dst, s.iter().map(|v| f16_to_f32(v.get()))),
            Data::F32Le(s) => zip_into(dst, s.iter().map(|v| v.get())),
            Data::F32Be(s) => zip_into(dst, s.iter().map(|v| v.get())),
            Data::F64Le(s) => zip_into(dst, s.iter().map(|v| v.get() as f32)),
            Data::F64Be(s) => zip_into(dst, s.iter().map(|v| v.get() as f32)),
            _ => return Err(self.not(|| "float values")),
        }
        Ok(())
    }

    /// Copies float values into `dst` as `f64` (exact).
    /// [`Error::WrongDataKind`] for the n-bit dtypes.
    pub fn copy_floats_to_f64(&self, dst: &mut [f64]) -> Result<(), Error> {
        check_len(self.len(), dst.len())?;
        if self.dtype().max_bits().is_some() {
            return Err(self.not(|| "float values"));
        }
        for (i, d) in dst.iter_mut().enumerate() {
            *d = self.float(i).unwrap_or(f64::NAN);
        }
        Ok(())
    }
}

fn zip_into<T>(dst: &mut [T], src: impl Iterator<Item = T>) {
    for (d, v) in dst.iter_mut().zip(src) {
        *d = v;
    }
}

pub(super) fn check_len(expected: usize, actual: usize) -> Result<(), Error> {
    if expected != actual {
        return Err(Error::LengthMismatch {
            field: Field::Blob,
            expected: expected as u64,
            actual: actual as u64,
        });
    }
    Ok(())
}

/// Iterator over the levels of a [`Data`] of an n-bit dtype, as `u32`.
#[derive(Debug, Clone)]
pub enum Levels<'a> {
    /// A `packed` stream.
    Packed(PackedIter<'a>),
    /// Levels in a container type.
    Plain {
        /// The data.
        data: Data<'a>,
        /// The next index.
        pos: usize,
    },
}

impl Iterator for Levels<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        match self {
            Levels::Packed(p) => p.next(),
            Levels::Plain { data, pos } => {
                let v = data.level(*pos)?;
                *pos = pos.saturating_add(1);
                Some(v)
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = match self {
            Levels::Packed(p) => p.len(),
            Levels::Plain { data, pos } => data.len().saturating_sub(*pos),
        };
        (n, Some(n))
    }
}

impl ExactSizeIterator for Levels<'_> {}
