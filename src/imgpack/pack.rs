//! Writing levels out: the `packed` bit stream ([`pack_levels`] and the
//! streaming encoder's bit writer) and the fixed-width words of the other
//! dtypes.

use crate::error::{Error, Field};

/// The `packed` bit writer: an accumulator of at most 7 + 32 bits; each
/// level's low `bits` bits go in above the bits already there, and whole
/// bytes come out low byte first (imgpack's `_pack_nbits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(super) struct BitPacker {
    mask: u64,
    bits: u32,
    acc: u64,
    pub(super) acc_bits: u32,
}

impl BitPacker {
    pub(super) fn new(bits: u32) -> BitPacker {
        let mask = 1u64
            .checked_shl(bits)
            .map_or(u64::MAX, |l| l.wrapping_sub(1));
        BitPacker {
            mask,
            bits,
            acc: 0,
            acc_bits: 0,
        }
    }

    /// Appends `v`'s low bits; writes the whole bytes into `o`; returns
    /// how many.
    #[inline(always)]
    pub(super) fn push(&mut self, v: u32, o: &mut core::slice::IterMut<'_, u8>) -> usize {
        let mut written = 0usize;
        self.acc |= (u64::from(v) & self.mask).wrapping_shl(self.acc_bits);
        self.acc_bits = self.acc_bits.wrapping_add(self.bits);
        while self.acc_bits >= 8 {
            if let Some(d) = o.next() {
                *d = self.acc as u8;
                written = written.wrapping_add(1);
            }
            self.acc = self.acc.wrapping_shr(8);
            self.acc_bits = self.acc_bits.wrapping_sub(8);
        }
        written
    }

    /// The last partial byte, zero-filled; empties the accumulator.
    pub(super) fn flush(&mut self) -> u8 {
        let b = self.acc as u8;
        self.acc = 0;
        self.acc_bits = 0;
        b
    }
}

/// Packs `levels` (their low `bits` bits each, `bits` in 1..=32) into
/// `out` as imgpack's `packed` bit stream; returns its length,
/// `ceil(levels.len() * bits / 8)`. The streaming [`Encoder`](super::Encoder) uses the same
/// bit writer.
///
/// ```
/// let mut out = [0u8; 6];
/// let n = framewire::imgpack::pack_levels(&[0, 2047, 4095, 4095], 12, &mut out)?;
/// assert_eq!(&out[..n], [0x00, 0xf0, 0x7f, 0xff, 0xff, 0xff]);
/// # Ok::<(), framewire::Error>(())
/// ```
pub fn pack_levels(levels: &[u32], bits: u32, out: &mut [u8]) -> Result<usize, Error> {
    if !(1..=32).contains(&bits) {
        return Err(Error::BitsOutOfRange { bits, max: 32 });
    }
    let need = (levels.len() as u64)
        .checked_mul(u64::from(bits))
        .map(|b| b.div_ceil(8))
        .ok_or(Error::SizeOverflow { field: Field::Blob })?;
    if (out.len() as u64) < need {
        return Err(Error::BufferTooSmall {
            needed: need,
            available: out.len() as u64,
        });
    }
    let mut p = BitPacker::new(bits);
    let mut o = out.iter_mut();
    let mut n = 0usize;
    for &v in levels {
        n = n.wrapping_add(p.push(v, &mut o));
    }
    if p.acc_bits > 0 {
        if let Some(d) = o.next() {
            *d = p.flush();
            n = n.wrapping_add(1);
        }
    }
    Ok(n)
}

/// Writes one value's bytes per element of `values` into `out`, `to`
/// laying out each.
pub(super) fn put<T, const N: usize>(
    out: &mut [u8],
    values: impl Iterator<Item = T>,
    to: impl Fn(T, &mut [u8; N]),
) {
    let mut chunks = out.chunks_exact_mut(N);
    for (v, c) in values.zip(&mut chunks) {
        if let Ok(c) = <&mut [u8; N]>::try_from(c) {
            to(v, c);
        }
    }
}

/// Copies little-endian `bytes` into `o`, reversed for big-endian.
#[inline(always)]
pub(super) fn write_word<const N: usize>(o: &mut [u8; N], bytes: &[u8; N], be: bool) {
    *o = *bytes;
    if be {
        o.reverse();
    }
}
