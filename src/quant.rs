//! Quantization of float samples to VCBN levels, bit-exact with the seed's
//! NumPy code (SPEC §3), and the inverse for viewers.
//!
//! For a sample `x` (f32; f64 samples are first rounded to f32, as
//! `np.asarray(data, dtype=np.float32)` does) and `hi` = the resolution
//! (255 for `uint8`, 4096 for `uint16`):
//!
//! ```text
//! denom = vmax - vmin                     (f64)
//! if denom is not finite or denom <= 0:   every level is 0
//! scale = (hi / denom) as f32             (f64 division, rounded to f32)
//! v     = (x - (vmin as f32)) * scale     (two f32 operations, no FMA)
//! q     = 0 if v is NaN or ±inf, else trunc(clamp(v, 0, hi))
//! ```
//!
//! Note that `uint16` uses levels 0..=4096, not 0..=65535.
//!
//! The kernels are plain safe loops over fixed-width blocks
//! (`chunks_exact`) with a scalar tail; clamping and the NaN/infinity rule
//! are selects, not branches, so the compiler vectorizes them.
//!
//! ```
//! use framewire::quant;
//!
//! let src = [0.0f32, 0.25, 0.5, 1.0, 2.0, f32::NAN, -1.0];
//! let mut q = [0u16; 7];
//! quant::quantize_u16(&src, 0.0, 1.0, &mut q)?;
//! assert_eq!(q, [0, 1024, 2048, 4096, 4096, 0, 0]);
//! # Ok::<(), framewire::Error>(())
//! ```

use zerocopy::byteorder::little_endian::U16 as U16Le;

use crate::error::{Error, Field};

/// Resolution (highest level) for `uint8` output.
pub const RESOLUTION_U8: u32 = 255;
/// Resolution (highest level) for `uint16` output. Levels run 0..=4096.
pub const RESOLUTION_U16: u32 = 4096;

/// Block width of the kernels. 16 f32 lanes fill one AVX-512 register, two
/// AVX2 registers or four SSE/NEON registers; the tail is handled scalar.
const BLOCK: usize = 16;

/// The precomputed constants of one quantization (SPEC §3).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Quantizer {
    offset: f32,
    scale: f32,
    hi: f32,
}

impl Quantizer {
    /// Constants for the range `vmin..vmax` and the given resolution (255 or
    /// 4096 for the two VCBN dtypes; any value works).
    ///
    /// When `vmax - vmin` is not finite or not positive every level is 0:
    /// this is folded into the constants (`offset = 0`, `scale = 0`), which
    /// maps every finite sample to 0 and every non-finite one to NaN, then 0.
    pub fn new(vmin: f64, vmax: f64, resolution: u32) -> Self {
        let denom = vmax - vmin;
        let hi = resolution as f32;
        if !denom.is_finite() || denom <= 0.0 {
            return Quantizer {
                offset: 0.0,
                scale: 0.0,
                hi,
            };
        }
        Quantizer {
            offset: vmin as f32,
            scale: (f64::from(resolution) / denom) as f32,
            hi,
        }
    }

    /// The level of one sample, as an `f32` holding an integer in `0..=hi`.
    #[inline(always)]
    fn level_f32(&self, x: f32) -> f32 {
        let v = (x - self.offset) * self.scale;
        // Non-finite (NaN, ±inf) to 0, as `scaled[~np.isfinite(scaled)] = 0`.
        let v = if v.abs() < f32::INFINITY { v } else { 0.0 };
        // np.clip(v, 0, hi); v is finite here, so plain compares suffice.
        let v = if v < 0.0 { 0.0 } else { v };
        if v > self.hi {
            self.hi
        } else {
            v
        }
    }

    /// The level of one sample (`astype` truncates toward zero).
    #[inline(always)]
    pub fn level(&self, x: f32) -> u16 {
        self.level_f32(x) as u16
    }
}

/// A sample type the kernels accept, converted to `f32` first as NumPy's
/// `asarray(..., float32)` does.
pub trait Sample: Copy {
    /// The sample as `f32` (round to nearest).
    fn to_f32(self) -> f32;
}

impl Sample for f32 {
    #[inline(always)]
    fn to_f32(self) -> f32 {
        self
    }
}

impl Sample for f64 {
    #[inline(always)]
    fn to_f32(self) -> f32 {
        self as f32
    }
}

/// An output level type.
pub(crate) trait Level: Copy {
    fn from_level(v: f32) -> Self;
}

impl Level for u8 {
    #[inline(always)]
    fn from_level(v: f32) -> Self {
        v as u8
    }
}

impl Level for u16 {
    #[inline(always)]
    fn from_level(v: f32) -> Self {
        v as u16
    }
}

impl Level for U16Le {
    #[inline(always)]
    fn from_level(v: f32) -> Self {
        U16Le::new(v as u16)
    }
}

/// Which real number a complex sample becomes before quantization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ComplexPart {
    /// The real part: what `np.asarray(z, dtype=np.float32)` keeps (the seed's behaviour).
    #[default]
    Real,
    /// The magnitude `|z| = sqrt(re² + im²)`, computed in f64 and rounded to f32.
    Magnitude,
}

/// Float samples for the encoders: f32, f64 or interleaved complex.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Samples<'a> {
    /// f32 samples.
    F32(&'a [f32]),
    /// f64 samples, rounded to f32 first.
    F64(&'a [f64]),
    /// Complex samples as interleaved `(re, im)` f32 pairs.
    Complex32(&'a [f32], ComplexPart),
    /// Complex samples as interleaved `(re, im)` f64 pairs, rounded to f32 after
    /// taking the part.
    Complex64(&'a [f64], ComplexPart),
}

impl<'a> From<&'a [f32]> for Samples<'a> {
    fn from(s: &'a [f32]) -> Self {
        Samples::F32(s)
    }
}

impl<'a> From<&'a [f64]> for Samples<'a> {
    fn from(s: &'a [f64]) -> Self {
        Samples::F64(s)
    }
}

impl<'a> Samples<'a> {
    /// Number of samples (complex pairs count once). An odd-length complex
    /// slice counts its complete pairs.
    pub fn len(&self) -> usize {
        match self {
            Samples::F32(s) => s.len(),
            Samples::F64(s) => s.len(),
            Samples::Complex32(s, _) => s.len() / 2,
            Samples::Complex64(s, _) => s.len() / 2,
        }
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Samples `start..end` (counting complex pairs once), or `None` if out
    /// of range.
    pub fn sub(&self, start: usize, end: usize) -> Option<Samples<'a>> {
        let pairs = |s: usize| s.checked_mul(2);
        Some(match *self {
            Samples::F32(s) => Samples::F32(s.get(start..end)?),
            Samples::F64(s) => Samples::F64(s.get(start..end)?),
            Samples::Complex32(s, p) => Samples::Complex32(s.get(pairs(start)?..pairs(end)?)?, p),
            Samples::Complex64(s, p) => Samples::Complex64(s.get(pairs(start)?..pairs(end)?)?, p),
        })
    }

    fn check_complex(&self) -> Result<(), Error> {
        let raw = match self {
            Samples::Complex32(s, _) => s.len(),
            Samples::Complex64(s, _) => s.len(),
            _ => return Ok(()),
        };
        if raw % 2 != 0 {
            return Err(Error::LengthMismatch {
                field: Field::Samples,
                expected: raw.saturating_add(1) as u64,
                actual: raw as u64,
            });
        }
        Ok(())
    }

    /// Quantizes into `dst` (same number of elements), checking lengths.
    pub(crate) fn quantize_into<D: Level>(
        &self,
        q: &Quantizer,
        dst: &mut [D],
    ) -> Result<(), Error> {
        self.check_complex()?;
        check_len(self.len(), dst.len())?;
        match *self {
            Samples::F32(s) => run(s, dst, |x| q.level_f32(x)),
            Samples::F64(s) => run(s, dst, |x| q.level_f32(x.to_f32())),
            Samples::Complex32(s, part) => run_complex(s, part, dst, q),
            Samples::Complex64(s, part) => run_complex(s, part, dst, q),
        }
        Ok(())
    }
}

fn check_len(src: usize, dst: usize) -> Result<(), Error> {
    if src != dst {
        return Err(Error::LengthMismatch {
            field: Field::Samples,
            expected: src as u64,
            actual: dst as u64,
        });
    }
    Ok(())
}

/// The kernel: fixed blocks of `BLOCK` samples, then a scalar tail.
#[inline(always)]
fn run<S: Copy, D: Level>(src: &[S], dst: &mut [D], f: impl Fn(S) -> f32) {
    let mut s = src.chunks_exact(BLOCK);
    let mut d = dst.chunks_exact_mut(BLOCK);
    for (sb, db) in (&mut s).zip(&mut d) {
        for (o, &x) in db.iter_mut().zip(sb) {
            *o = D::from_level(f(x));
        }
    }
    for (o, &x) in d.into_remainder().iter_mut().zip(s.remainder()) {
        *o = D::from_level(f(x));
    }
}

trait ComplexComponent: Copy {
    fn real(self) -> f32;
    fn magnitude(re: Self, im: Self) -> f32;
}

impl ComplexComponent for f32 {
    #[inline(always)]
    fn real(self) -> f32 {
        self
    }
    #[inline(always)]
    fn magnitude(re: f32, im: f32) -> f32 {
        let (re, im) = (f64::from(re), f64::from(im));
        libm::sqrt(re * re + im * im) as f32
    }
}

impl ComplexComponent for f64 {
    #[inline(always)]
    fn real(self) -> f32 {
        self as f32
    }
    #[inline(always)]
    fn magnitude(re: f64, im: f64) -> f32 {
        libm::hypot(re, im) as f32
    }
}

fn run_complex<C: ComplexComponent, D: Level>(
    src: &[C],
    part: ComplexPart,
    dst: &mut [D],
    q: &Quantizer,
) {
    let pairs = src.chunks_exact(2);
    match part {
        ComplexPart::Real => {
            for (o, p) in dst.iter_mut().zip(pairs) {
                let re = p.first().map_or(0.0, |v| v.real());
                *o = D::from_level(q.level_f32(re));
            }
        }
        ComplexPart::Magnitude => {
            for (o, p) in dst.iter_mut().zip(pairs) {
                let m = match p {
                    [re, im] => C::magnitude(*re, *im),
                    _ => 0.0,
                };
                *o = D::from_level(q.level_f32(m));
            }
        }
    }
}

/// Quantizes f32 samples to `uint16` levels `0..=4096` (SPEC §3).
/// `dst` must have as many elements as `src` ([`Error::LengthMismatch`]).
pub fn quantize_u16(src: &[f32], vmin: f64, vmax: f64, dst: &mut [u16]) -> Result<(), Error> {
    check_len(src.len(), dst.len())?;
    let q = Quantizer::new(vmin, vmax, RESOLUTION_U16);
    run(src, dst, |x| q.level_f32(x));
    Ok(())
}

/// Quantizes f32 samples to `uint8` levels `0..=255` (SPEC §3).
/// `dst` must have as many elements as `src` ([`Error::LengthMismatch`]).
pub fn quantize_u8(src: &[f32], vmin: f64, vmax: f64, dst: &mut [u8]) -> Result<(), Error> {
    check_len(src.len(), dst.len())?;
    let q = Quantizer::new(vmin, vmax, RESOLUTION_U8);
    run(src, dst, |x| q.level_f32(x));
    Ok(())
}

/// [`quantize_u16`] for f64 samples (each rounded to f32 first).
pub fn quantize_f64_u16(src: &[f64], vmin: f64, vmax: f64, dst: &mut [u16]) -> Result<(), Error> {
    Samples::F64(src).quantize_into(&Quantizer::new(vmin, vmax, RESOLUTION_U16), dst)
}

/// [`quantize_u8`] for f64 samples (each rounded to f32 first).
pub fn quantize_f64_u8(src: &[f64], vmin: f64, vmax: f64, dst: &mut [u8]) -> Result<(), Error> {
    Samples::F64(src).quantize_into(&Quantizer::new(vmin, vmax, RESOLUTION_U8), dst)
}

/// [`quantize_u16`] for complex samples given as interleaved `(re, im)` f32
/// pairs: `src.len()` must be `2 * dst.len()`.
pub fn quantize_complex_u16(
    src: &[f32],
    part: ComplexPart,
    vmin: f64,
    vmax: f64,
    dst: &mut [u16],
) -> Result<(), Error> {
    Samples::Complex32(src, part).quantize_into(&Quantizer::new(vmin, vmax, RESOLUTION_U16), dst)
}

/// [`quantize_u8`] for complex samples given as interleaved `(re, im)` f32
/// pairs: `src.len()` must be `2 * dst.len()`.
pub fn quantize_complex_u8(
    src: &[f32],
    part: ComplexPart,
    vmin: f64,
    vmax: f64,
    dst: &mut [u8],
) -> Result<(), Error> {
    Samples::Complex32(src, part).quantize_into(&Quantizer::new(vmin, vmax, RESOLUTION_U8), dst)
}

/// The inverse map for viewers: `x' = vmin + q * ((vmax - vmin) / resolution)`,
/// computed in f64 and rounded to f32. For a finite `x` in `[vmin, vmax]`,
/// `|x' - x| <= (vmax - vmin) / resolution`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Dequantizer {
    vmin: f64,
    step: f64,
}

impl Dequantizer {
    /// Constants for the range and resolution. A resolution of 0 gives NaN.
    pub fn new(vmin: f64, vmax: f64, resolution: u32) -> Self {
        Dequantizer {
            vmin,
            step: (vmax - vmin) / f64::from(resolution),
        }
    }

    /// The value of one level.
    #[inline(always)]
    pub fn value(&self, q: u16) -> f32 {
        (self.vmin + f64::from(q) * self.step) as f32
    }

    /// Dequantizes `src` into `dst` (same length).
    pub fn run<L: Copy + Into<u16>>(&self, src: &[L], dst: &mut [f32]) -> Result<(), Error> {
        check_len(src.len(), dst.len())?;
        for (o, &l) in dst.iter_mut().zip(src) {
            *o = self.value(l.into());
        }
        Ok(())
    }
}

/// Dequantizes `uint16` levels (resolution 4096).
pub fn dequantize_u16(src: &[u16], vmin: f64, vmax: f64, dst: &mut [f32]) -> Result<(), Error> {
    Dequantizer::new(vmin, vmax, RESOLUTION_U16).run(src, dst)
}

/// Dequantizes `uint8` levels (resolution 255).
pub fn dequantize_u8(src: &[u8], vmin: f64, vmax: f64, dst: &mut [f32]) -> Result<(), Error> {
    Dequantizer::new(vmin, vmax, RESOLUTION_U8).run(src, dst)
}

/// The minimum and maximum of `src`, ignoring NaN, like `np.nanmin` and
/// `np.nanmax` (infinities count). `None` when every sample is NaN or `src`
/// is empty (where NumPy warns and returns NaN).
pub fn nan_min_max(src: &[f32]) -> Option<(f32, f32)> {
    let (lo, hi) = src
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        });
    // Every sample NaN (or none) leaves the fold's start values crossed.
    if lo > hi {
        None
    } else {
        Some((lo, hi))
    }
}

/// [`nan_min_max`] for f64 samples.
pub fn nan_min_max_f64(src: &[f64]) -> Option<(f64, f64)> {
    let (lo, hi) = src
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        });
    if lo > hi {
        None
    } else {
        Some((lo, hi))
    }
}
