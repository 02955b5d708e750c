//! Quantization of float samples to VCBN levels, bit-exact with NumPy's
//! reference code (shown in
//! [`docs/FORMATS.md`](https://github.com/framewire/framewire/blob/main/docs/FORMATS.md#4-quantization)),
//! and the inverse for viewers.
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
//! [`quantize_u16`] and [`quantize_u8`] take f32 slices; [`Quantizer::quantize`]
//! takes any [`Samples`] (f32, f64, complex) into any [`Level`] type. On
//! x86-64 the kernels are explicit SSE2 (x86-64's baseline) in every build,
//! and with the `std` feature AVX2 (with `avx512`, AVX-512) when the CPU has
//! it, picked at run time; other targets use plain safe loops that the
//! compiler vectorizes. All give the bits of the formula above.
//!
//! ```
//! use framewire::quant::{self, ComplexPart, Quantizer, Samples, RESOLUTION_U8};
//!
//! let src = [0.0f32, 0.25, 0.5, 1.0, 2.0, f32::NAN, -1.0];
//! let mut q = [0u16; 7];
//! quant::quantize_u16(&src, 0.0, 1.0, &mut q)?;
//! assert_eq!(q, [0, 1024, 2048, 4096, 4096, 0, 0]);
//!
//! // Complex f64 input, by magnitude, to uint8.
//! let z = [3.0f64, 4.0, 0.0, 1.0]; // 3+4i, 0+1i
//! let mut q8 = [0u8; 2];
//! Quantizer::new(0.0, 5.0, RESOLUTION_U8)
//!     .quantize(Samples::Complex64(&z, ComplexPart::Magnitude), &mut q8)?;
//! assert_eq!(q8, [255, 51]);
//! # Ok::<(), framewire::Error>(())
//! ```

mod kernel;

use zerocopy::byteorder::little_endian::U16 as U16Le;

use crate::error::{Error, Field};
#[doc(hidden)]
pub use kernel::Isa;
use kernel::{run_complex_with, Kernel, LevelImpl};

/// Resolution (highest level) for `uint8` output.
pub const RESOLUTION_U8: u32 = 255;
/// Resolution (highest level) for `uint16` output. Levels run 0..=4096.
pub const RESOLUTION_U16: u32 = 4096;

/// The precomputed constants of one quantization: the formula in the
/// [module docs](self), for one range and resolution.
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

    /// Quantizes `samples` into `dst`, which must have one element per
    /// sample (a complex pair counts once).
    ///
    /// Errors: [`Error::LengthMismatch`] for `dst` of another length, or for
    /// a complex slice of odd length (a half pair).
    pub fn quantize<D: Level>(&self, samples: Samples<'_>, dst: &mut [D]) -> Result<(), Error> {
        self.quantize_with(Isa::best(), samples, dst)
    }

    /// [`Quantizer::quantize`] with the kernel family `isa` (or a slower one
    /// if this build or CPU lacks it). Not covered by semver: for the tests
    /// and benchmarks.
    #[doc(hidden)]
    pub fn quantize_with<D: Level>(
        &self,
        isa: Isa,
        samples: Samples<'_>,
        dst: &mut [D],
    ) -> Result<(), Error> {
        samples.check_complex()?;
        check_len(samples.len(), dst.len())?;
        let k = self.kernel::<D>();
        match samples {
            Samples::F32(s) => kernel::quantize_f32(isa, s, dst, k),
            Samples::F64(s) => kernel::quantize_converted(isa, s, dst, k),
            Samples::Complex32(s, part) => run_complex_with(isa, s, part, dst, k)?,
            Samples::Complex64(s, part) => run_complex_with(isa, s, part, dst, k)?,
        }
        Ok(())
    }

    /// The kernel constants for output type `D`.
    #[inline(always)]
    fn kernel<D: Level>(&self) -> Kernel {
        Kernel {
            offset: self.offset,
            scale: self.scale,
            hi: if self.hi > D::MAX { D::MAX } else { self.hi },
        }
    }

    /// The level of one sample as `u32`, for any resolution up to
    /// `u32::MAX` (imgpack's n-bit levels, `docs/FORMATS.md` §8.4): the same
    /// formula as [`Quantizer::quantize`], truncated in full precision. A
    /// resolution above 2^24 rounds up in f32 (`2^bits - 1` becomes `2^bits`,
    /// as in NumPy); at 32 bits that top level, 2^32, wraps to 0, as NumPy's
    /// `astype(np.uint32)` gives on x86-64 (it converts through `int64`).
    /// A plain scalar loop: the kernels' fast truncation holds below 2^23 only.
    #[inline]
    pub(crate) fn level_u32(&self, x: f32) -> u32 {
        let v = (x - self.offset) * self.scale;
        let v = if v > 0.0 { v } else { 0.0 };
        let v = if v == f32::INFINITY { 0.0 } else { v };
        let v = if v < self.hi { v } else { self.hi };
        (v as u64) as u32
    }

    /// The level of one sample (`astype` truncates toward zero; a resolution
    /// above 65535 saturates at 65535).
    #[inline(always)]
    pub fn level(&self, x: f32) -> u16 {
        <u16 as LevelImpl>::from_int(self.kernel::<u16>().level(x))
    }
}

/// An output level type of the quantizer: `u8`, `u16`, or zerocopy's
/// little-endian `U16<LE>` (to quantize straight into a wire buffer). Sealed:
/// the kernels need the type's exact range.
pub trait Level: kernel::LevelImpl {}

impl Level for u8 {}
impl Level for u16 {}
impl Level for U16Le {}

/// Which real number a complex sample becomes before quantization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ComplexPart {
    /// The real part: what `np.asarray(z, dtype=np.float32)` keeps (NumPy's
    /// reference behaviour, and the default).
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

/// Shows the kind and the number of values, not the values.
#[cfg(feature = "defmt")]
impl defmt::Format for Samples<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        match self {
            Samples::F32(s) => defmt::write!(f, "Samples::F32({=usize} values)", s.len()),
            Samples::F64(s) => defmt::write!(f, "Samples::F64({=usize} values)", s.len()),
            Samples::Complex32(s, p) => {
                defmt::write!(f, "Samples::Complex32({=usize} floats, {})", s.len(), p)
            }
            Samples::Complex64(s, p) => {
                defmt::write!(f, "Samples::Complex64({=usize} floats, {})", s.len(), p)
            }
        }
    }
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
    /// slice counts its complete pairs (and is refused by the encoders).
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
    #[inline]
    pub fn sub(&self, start: usize, end: usize) -> Option<Samples<'a>> {
        let pairs = |s: usize| s.checked_mul(2);
        Some(match *self {
            Samples::F32(s) => Samples::F32(s.get(start..end)?),
            Samples::F64(s) => Samples::F64(s.get(start..end)?),
            Samples::Complex32(s, p) => Samples::Complex32(s.get(pairs(start)?..pairs(end)?)?, p),
            Samples::Complex64(s, p) => Samples::Complex64(s.get(pairs(start)?..pairs(end)?)?, p),
        })
    }

    /// A complex slice of odd length (a half pair) is
    /// [`Error::LengthMismatch`]; every encoder and quantizer refuses it.
    pub(crate) fn check_complex(&self) -> Result<(), Error> {
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

/// Quantizes f32 samples to `uint16` levels `0..=4096` .
/// `dst` must have as many elements as `src` ([`Error::LengthMismatch`]).
pub fn quantize_u16(src: &[f32], vmin: f64, vmax: f64, dst: &mut [u16]) -> Result<(), Error> {
    check_len(src.len(), dst.len())?;
    let k = Quantizer::new(vmin, vmax, RESOLUTION_U16).kernel::<u16>();
    kernel::quantize_f32(Isa::best(), src, dst, k);
    Ok(())
}

/// Quantizes f32 samples to `uint8` levels `0..=255` .
/// `dst` must have as many elements as `src` ([`Error::LengthMismatch`]).
pub fn quantize_u8(src: &[f32], vmin: f64, vmax: f64, dst: &mut [u8]) -> Result<(), Error> {
    check_len(src.len(), dst.len())?;
    let k = Quantizer::new(vmin, vmax, RESOLUTION_U8).kernel::<u8>();
    kernel::quantize_f32(Isa::best(), src, dst, k);
    Ok(())
}

/// [`quantize_u16`] for f64 samples (each rounded to f32 first).
pub fn quantize_f64_u16(src: &[f64], vmin: f64, vmax: f64, dst: &mut [u16]) -> Result<(), Error> {
    Quantizer::new(vmin, vmax, RESOLUTION_U16).quantize(Samples::F64(src), dst)
}

/// [`quantize_u8`] for f64 samples (each rounded to f32 first).
pub fn quantize_f64_u8(src: &[f64], vmin: f64, vmax: f64, dst: &mut [u8]) -> Result<(), Error> {
    Quantizer::new(vmin, vmax, RESOLUTION_U8).quantize(Samples::F64(src), dst)
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
    Quantizer::new(vmin, vmax, RESOLUTION_U16).quantize(Samples::Complex32(src, part), dst)
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
    Quantizer::new(vmin, vmax, RESOLUTION_U8).quantize(Samples::Complex32(src, part), dst)
}

/// The inverse map for viewers: `x' = vmin + q * ((vmax - vmin) / resolution)`,
/// computed in f64 and rounded to f32. For a finite `x` in `[vmin, vmax]`,
/// `|x' - x|` is at most one step, `(vmax - vmin) / resolution`, plus the
/// rounding of the f32 arithmetic of quantization (the tests check
/// `step + 8·2⁻²⁴·(|x| + |vmin| + |vmax|)`; `docs/FORMATS.md` §4.3).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Dequantizer {
    vmin: f64,
    step: f64,
}

impl Dequantizer {
    /// Constants for the range and resolution. A resolution of 0 has no
    /// levels to map: every value is then NaN.
    pub fn new(vmin: f64, vmax: f64, resolution: u32) -> Self {
        let step = if resolution == 0 {
            f64::NAN
        } else {
            (vmax - vmin) / f64::from(resolution)
        };
        Dequantizer { vmin, step }
    }

    /// The value of one level.
    #[inline(always)]
    pub fn value(&self, q: u16) -> f32 {
        (self.vmin + f64::from(q) * self.step) as f32
    }

    /// Dequantizes `src` into `dst` (same length).
    pub fn run<L: Copy + Into<u16>>(&self, src: &[L], dst: &mut [f32]) -> Result<(), Error> {
        self.run_with(Isa::best(), src, dst)
    }

    /// [`Dequantizer::run`] with the kernel family `isa` (or a slower one if
    /// this build or CPU lacks it). Not covered by semver: for the tests and
    /// benchmarks.
    #[doc(hidden)]
    pub fn run_with<L: Copy + Into<u16>>(
        &self,
        isa: Isa,
        src: &[L],
        dst: &mut [f32],
    ) -> Result<(), Error> {
        check_len(src.len(), dst.len())?;
        kernel::dequantize(isa, src, dst, self.vmin, self.step);
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
///
/// One corner differs: when the minimum (or maximum) is zero and `src` holds
/// both `0.0` and `-0.0`, which of the two NumPy returns depends on where they
/// fall in its SIMD lanes, and this function may return the other. The value
/// compares equal either way and quantizes identically; only a header written
/// from it (`"vmin":-0.0` or `"vmin":0.0`) can differ from NumPy's.
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
