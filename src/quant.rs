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
//! are selects, not branches, and on x86 the final truncation avoids Rust's
//! saturating float-to-int `as` casts (which the baseline SSE2 cannot do on
//! vectors), so the compiler vectorizes them in a default build.
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
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::error::{Error, Field};

/// Resolution (highest level) for `uint8` output.
pub const RESOLUTION_U8: u32 = 255;
/// Resolution (highest level) for `uint16` output. Levels run 0..=4096.
pub const RESOLUTION_U16: u32 = 4096;

/// Block width of the kernels. 16 f32 lanes fill one AVX-512 register, two
/// AVX2 registers or four SSE/NEON registers; the tail is handled scalar.
const BLOCK: usize = 16;

/// 2^23: adding it to a float in `[0, 2^23)` leaves the nearest integer in
/// the low mantissa bits (see [`trunc`]).
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
const MAGIC: f32 = 8_388_608.0;
/// The bits of [`MAGIC`].
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
const MAGIC_BITS: u32 = 0x4B00_0000;

/// The per-run constants of a kernel for one output type: the quantizer's,
/// with `hi` lowered to the largest value the output type holds (which is
/// what the saturating `as` cast of the SPEC §3 formula would give).
#[derive(Clone, Copy)]
struct Kernel {
    offset: f32,
    scale: f32,
    hi: f32,
}

impl Kernel {
    /// The level of one sample, `trunc(clamp(v, 0, hi))` or 0 for a
    /// non-finite `v`, as an integer. Every step is a select or a lane-wise
    /// float/integer operation, so blocks of these vectorize.
    #[inline(always)]
    fn level(self, x: f32) -> u32 {
        let v = (x - self.offset) * self.scale;
        // `scaled[~np.isfinite(scaled)] = 0`, then `np.clip(v, 0, hi)`:
        // NaN and everything below 0 (-inf included) become 0 (`v > 0` is
        // false for NaN), +inf becomes 0, and what is above `hi` becomes `hi`.
        let v = if v > 0.0 { v } else { 0.0 };
        let v = if v == f32::INFINITY { 0.0 } else { v };
        let v = if v < self.hi { v } else { self.hi };
        trunc(v)
    }
}

/// `v as u32` for `v` in `[0, 65535]` (so never saturating).
///
/// On x86, Rust's saturating float-to-int cast does not vectorize with the
/// baseline SSE2 (LLVM turns it into scalar conversions and branches), so
/// truncate without one: `v + 2^23` is exact up to rounding `v` to the
/// nearest integer `n`, which lands in the low mantissa bits; where `n`
/// rounded up (`n > v`), take one off. Other targets' conversions saturate
/// in hardware (Arm's `vcvt`, AArch64's `fcvtzu`, WebAssembly's
/// `trunc_sat`), so they keep the plain cast, which is also the smallest code.
#[inline(always)]
fn trunc(v: f32) -> u32 {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        let t = v + MAGIC;
        let n = t.to_bits().wrapping_sub(MAGIC_BITS);
        let rounded_up = (t - MAGIC) > v;
        n.wrapping_sub(u32::from(rounded_up))
    }
    #[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
    {
        v as u32
    }
}

/// `n as u16` for `n <= 65535`. On x86 written so that SSE2 narrows four
/// lanes with one signed pack (`packssdw`) instead of three shuffles: shift
/// `0..=65535` down to i16's range, where the clamp never bites but tells
/// the compiler the pack is exact, then shift back.
#[inline(always)]
fn narrow_u16(n: u32) -> u16 {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        let s = (n as i32).wrapping_sub(0x8000);
        let s = s.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
        (s as u16) ^ 0x8000
    }
    #[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
    {
        n as u16
    }
}

/// `n as u16` for `n <= 32767` (the `uint16` levels, 0..=4096): one signed
/// pack (`packssdw`) narrows eight lanes on x86, with no bias needed.
#[inline(always)]
fn narrow_small(n: u32) -> u16 {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        (n as i32).clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16 as u16
    }
    #[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
    {
        n as u16
    }
}

/// `n as u8` for `n <= 255`. On x86 written as two saturating narrowings,
/// which compile to packs (`packssdw`, `packuswb`) at every x86-64 level: the
/// plain truncation led LLVM to gathers with AVX-512.
#[inline(always)]
fn narrow_u8(n: u32) -> u8 {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        let s = (n as i32).clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
        s.clamp(0, 255) as u8
    }
    #[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
    {
        n as u8
    }
}

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

    /// The kernel constants for output type `D`.
    #[inline(always)]
    fn kernel<D: Level>(&self) -> Kernel {
        Kernel {
            offset: self.offset,
            scale: self.scale,
            hi: if self.hi > D::MAX { D::MAX } else { self.hi },
        }
    }

    /// The level of one sample (`astype` truncates toward zero; a resolution
    /// above 65535 saturates at 65535).
    #[inline(always)]
    pub fn level(&self, x: f32) -> u16 {
        <u16 as Level>::from_int(self.kernel::<u16>().level(x))
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
    /// The largest level the type holds.
    const MAX: f32;
    /// Whether [`Level::from_small`] is a cheaper path than
    /// [`Level::from_int`] (the kernel then picks it when `hi <= 32767`).
    const HAS_SMALL: bool = false;
    /// The level `n`, which is at most `MAX`.
    fn from_int(n: u32) -> Self;
    /// The level `n`, which is at most 32767.
    #[inline(always)]
    fn from_small(n: u32) -> Self {
        Self::from_int(n)
    }
    /// Stores one block of levels (each at most `MAX`) with `to`.
    #[inline(always)]
    fn store_block(out: &mut [Self], levels: &[u32; BLOCK], to: impl Fn(u32) -> Self) {
        for (o, &n) in out.iter_mut().zip(levels) {
            *o = to(n);
        }
    }
}

impl Level for u8 {
    const MAX: f32 = 255.0;
    #[inline(always)]
    fn from_int(n: u32) -> Self {
        narrow_u8(n)
    }
    /// On x86, a whole block through `i16` first: SSE2 then narrows 16
    /// lanes with three packs (two `packssdw`, one `packuswb`), where the
    /// per-element [`narrow_u8`] led LLVM to seven packs and a shuffle.
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    #[inline(always)]
    fn store_block(out: &mut [u8], levels: &[u32; BLOCK], _to: impl Fn(u32) -> u8) {
        let mut w = [0i16; BLOCK];
        for (w, &n) in w.iter_mut().zip(levels) {
            *w = (n as i32).clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
        }
        for (o, &w) in out.iter_mut().zip(&w) {
            *o = w.clamp(0, 255) as u8;
        }
    }
}

impl Level for u16 {
    const MAX: f32 = 65535.0;
    const HAS_SMALL: bool = true;
    #[inline(always)]
    fn from_int(n: u32) -> Self {
        narrow_u16(n)
    }
    #[inline(always)]
    fn from_small(n: u32) -> Self {
        narrow_small(n)
    }
}

impl Level for U16Le {
    const MAX: f32 = 65535.0;
    const HAS_SMALL: bool = true;
    #[inline(always)]
    fn from_int(n: u32) -> Self {
        U16Le::new(narrow_u16(n))
    }
    #[inline(always)]
    fn from_small(n: u32) -> Self {
        U16Le::new(narrow_small(n))
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
        let k = q.kernel::<D>();
        match *self {
            Samples::F32(s) => run(s, dst, k, |x| x),
            Samples::F64(s) => run(s, dst, k, Sample::to_f32),
            Samples::Complex32(s, part) => run_complex(s, part, dst, k)?,
            Samples::Complex64(s, part) => run_complex(s, part, dst, k)?,
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

/// The kernel: fixed blocks of `BLOCK` samples, then a scalar tail. Each
/// block is first mapped to `f32` into a local array (for f64 and complex
/// input this is a conversion or a de-interleave, which vectorizes on its
/// own), then quantized.
#[inline(always)]
fn run<S: Copy, D: Level>(src: &[S], dst: &mut [D], k: Kernel, f: impl Fn(S) -> f32) {
    if D::HAS_SMALL && k.hi <= 32767.0 {
        blocks(src, dst, k, f, D::from_small);
    } else {
        blocks(src, dst, k, f, D::from_int);
    }
}

/// [`run`]'s loop, with the narrowing `to` chosen by the caller.
#[inline(always)]
fn blocks<S: Copy, D: Level>(
    src: &[S],
    dst: &mut [D],
    k: Kernel,
    f: impl Fn(S) -> f32,
    to: impl Fn(u32) -> D,
) {
    let mut s = src.chunks_exact(BLOCK);
    let mut d = dst.chunks_exact_mut(BLOCK);
    for (sb, db) in (&mut s).zip(&mut d) {
        let mut x = [0.0f32; BLOCK];
        for (x, &v) in x.iter_mut().zip(sb) {
            *x = f(v);
        }
        let mut n = [0u32; BLOCK];
        for (n, &x) in n.iter_mut().zip(&x) {
            *n = k.level(x);
        }
        D::store_block(db, &n, &to);
    }
    for (o, &v) in d.into_remainder().iter_mut().zip(s.remainder()) {
        *o = to(k.level(f(v)));
    }
}

/// [`run`] for interleaved `(re, im)` pairs: `f` maps one pair to the real
/// number to quantize. The pairs are viewed as `[C; 2]` elements, which have
/// the alignment of `C`: the view fails only for an odd-length `src`, which
/// the caller has already refused.
#[inline(always)]
fn run_pairs<C, D: Level>(
    src: &[C],
    dst: &mut [D],
    k: Kernel,
    f: impl Fn(C, C) -> f32,
) -> Result<(), Error>
where
    C: Copy + FromBytes + IntoBytes + Immutable + KnownLayout,
{
    let pairs = <[[C; 2]]>::ref_from_bytes(src.as_bytes()).map_err(|_| Error::LengthMismatch {
        field: Field::Samples,
        expected: (src.len() as u64).saturating_add(1),
        actual: src.len() as u64,
    })?;
    run(pairs, dst, k, |[re, im]| f(re, im));
    Ok(())
}

/// The correctly rounded square root (IEEE 754 `squareRoot`).
///
/// With `std`, `f64::sqrt`: an LLVM intrinsic, which vectorizes and is
/// encoded for the target (`vsqrtpd` under AVX). Without `std`, `core` has no
/// `sqrt`, and `libm`'s (with its `arch` feature) is an SSE2 `sqrtsd` in
/// inline assembly on x86-64: as fast in a default build, but measured 75
/// times slower in an AVX build (`-C target-cpu=native`), presumably from
/// SSE/AVX transition stalls around that legacy-SSE instruction (see the
/// README's Performance section). Both give the same bits: the square root
/// is correctly rounded either way.
#[inline(always)]
fn sqrt(x: f64) -> f64 {
    #[cfg(feature = "std")]
    {
        x.sqrt()
    }
    #[cfg(not(feature = "std"))]
    {
        libm::sqrt(x)
    }
}

trait ComplexComponent: Copy + FromBytes + IntoBytes + Immutable + KnownLayout {
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
        sqrt(re * re + im * im) as f32
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
    k: Kernel,
) -> Result<(), Error> {
    match part {
        ComplexPart::Real => run_pairs(src, dst, k, |re, _| re.real()),
        ComplexPart::Magnitude => run_pairs(src, dst, k, C::magnitude),
    }
}

/// Quantizes f32 samples to `uint16` levels `0..=4096` (SPEC §3).
/// `dst` must have as many elements as `src` ([`Error::LengthMismatch`]).
pub fn quantize_u16(src: &[f32], vmin: f64, vmax: f64, dst: &mut [u16]) -> Result<(), Error> {
    check_len(src.len(), dst.len())?;
    let k = Quantizer::new(vmin, vmax, RESOLUTION_U16).kernel::<u16>();
    run(src, dst, k, |x| x);
    Ok(())
}

/// Quantizes f32 samples to `uint8` levels `0..=255` (SPEC §3).
/// `dst` must have as many elements as `src` ([`Error::LengthMismatch`]).
pub fn quantize_u8(src: &[f32], vmin: f64, vmax: f64, dst: &mut [u8]) -> Result<(), Error> {
    check_len(src.len(), dst.len())?;
    let k = Quantizer::new(vmin, vmax, RESOLUTION_U8).kernel::<u8>();
    run(src, dst, k, |x| x);
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
    ///
    /// A plain element loop, which the compiler vectorizes by itself; blocks
    /// of `chunks_exact` made it vectorize across blocks with gathers and
    /// scatters on AVX-512, several times slower.
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
