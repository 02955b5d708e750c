//! The portable kernels: plain safe loops over fixed-width blocks
//! (`chunks_exact`) with a scalar tail. Clamping and the NaN/infinity rule
//! are selects, not branches, and on x86 the final truncation avoids Rust's
//! saturating float-to-int `as` casts (which the baseline SSE2 cannot do on
//! vectors), so the compiler vectorizes them in a default build.

use zerocopy::byteorder::little_endian::U16 as U16Le;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::error::{Error, Field};

use super::super::ComplexPart;
use super::Isa;

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
/// what the saturating `as` cast of the formula would give).
#[derive(Clone, Copy)]
pub(in crate::quant) struct Kernel {
    pub(in crate::quant) offset: f32,
    pub(in crate::quant) scale: f32,
    pub(in crate::quant) hi: f32,
}

impl Kernel {
    /// The level of one sample, `trunc(clamp(v, 0, hi))` or 0 for a
    /// non-finite `v`, as an integer. Every step is a select or a lane-wise
    /// float/integer operation, so blocks of these vectorize.
    #[inline(always)]
    pub(in crate::quant) fn level(self, x: f32) -> u32 {
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

/// The kernels' view of an output level type (the machinery behind the
/// sealed [`super::Level`]).
pub trait LevelImpl: Copy + FromBytes + IntoBytes + Immutable + KnownLayout {
    /// The largest level the type holds.
    const MAX: f32;
    /// Size in bytes (little-endian for the 2-byte types on x86-64, the
    /// only target where the explicit kernels write bytes).
    const BYTES: usize;
    /// Whether [`LevelImpl::from_small`] is a cheaper path than
    /// [`LevelImpl::from_int`] (the kernel then picks it when `hi <= 32767`).
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

impl LevelImpl for u8 {
    const MAX: f32 = 255.0;
    const BYTES: usize = 1;
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

impl LevelImpl for u16 {
    const MAX: f32 = 65535.0;
    const BYTES: usize = 2;
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

impl LevelImpl for U16Le {
    const MAX: f32 = 65535.0;
    const BYTES: usize = 2;
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

/// The kernel: fixed blocks of `BLOCK` samples, then a scalar tail. Each
/// block is first mapped to `f32` into a local array (for f64 and complex
/// input this is a conversion or a de-interleave, which vectorizes on its
/// own), then quantized.
#[inline(always)]
pub(super) fn run<S: Copy, D: LevelImpl>(
    src: &[S],
    dst: &mut [D],
    k: Kernel,
    f: impl Fn(S) -> f32,
) {
    if D::HAS_SMALL && k.hi <= 32767.0 {
        blocks(src, dst, k, f, D::from_small);
    } else {
        blocks(src, dst, k, f, D::from_int);
    }
}

/// [`run`]'s loop, with the narrowing `to` chosen by the caller.
#[inline(always)]
fn blocks<S: Copy, D: LevelImpl>(
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

/// Interleaved `(re, im)` components viewed as `[C; 2]` pairs, which have
/// the alignment of `C`: the view fails only for an odd-length `src`, which
/// the caller has already refused.
#[inline(always)]
fn pairs_of<C>(src: &[C]) -> Result<&[[C; 2]], Error>
where
    C: Copy + FromBytes + IntoBytes + Immutable + KnownLayout,
{
    <[[C; 2]]>::ref_from_bytes(src.as_bytes()).map_err(|_| Error::LengthMismatch {
        field: Field::Samples,
        expected: (src.len() as u64).saturating_add(1),
        actual: src.len() as u64,
    })
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

pub(in crate::quant) trait ComplexComponent:
    Copy + FromBytes + IntoBytes + Immutable + KnownLayout
{
    fn magnitude(re: Self, im: Self) -> f32;
    /// Quantizes the real parts of `pairs` (converted in the loop where the
    /// kernel family can; see [`super::Convert`]).
    fn quantize_real<D: LevelImpl>(isa: Isa, pairs: &[[Self; 2]], dst: &mut [D], k: Kernel);
}

impl ComplexComponent for f32 {
    #[inline(always)]
    fn magnitude(re: f32, im: f32) -> f32 {
        let (re, im) = (f64::from(re), f64::from(im));
        sqrt(re * re + im * im) as f32
    }
    #[inline(always)]
    fn quantize_real<D: LevelImpl>(isa: Isa, pairs: &[[f32; 2]], dst: &mut [D], k: Kernel) {
        super::quantize_converted(isa, pairs, dst, k);
    }
}

impl ComplexComponent for f64 {
    #[inline(always)]
    fn magnitude(re: f64, im: f64) -> f32 {
        libm::hypot(re, im) as f32
    }
    #[inline(always)]
    fn quantize_real<D: LevelImpl>(isa: Isa, pairs: &[[f64; 2]], dst: &mut [D], k: Kernel) {
        super::quantize_converted(isa, pairs, dst, k);
    }
}

/// Quantizes interleaved complex pairs with the kernel family `isa`.
pub(in crate::quant) fn run_complex_with<C: ComplexComponent, D: LevelImpl>(
    isa: Isa,
    src: &[C],
    part: ComplexPart,
    dst: &mut [D],
    k: Kernel,
) -> Result<(), Error> {
    let pairs = pairs_of(src)?;
    match part {
        ComplexPart::Real => C::quantize_real(isa, pairs, dst, k),
        ComplexPart::Magnitude => {
            super::quantize(isa, pairs, dst, k, |[re, im]| C::magnitude(re, im));
        }
    }
    Ok(())
}

/// The portable dequantization: a plain element loop, which the compiler
/// vectorizes by itself (blocks of `chunks_exact` made it vectorize across
/// blocks with gathers and scatters on AVX-512, several times slower).
#[inline(always)]
pub(super) fn dequantize<L: Copy + Into<u16>>(src: &[L], dst: &mut [f32], vmin: f64, step: f64) {
    for (o, &l) in dst.iter_mut().zip(src) {
        *o = (vmin + f64::from(l.into()) * step) as f32;
    }
}
