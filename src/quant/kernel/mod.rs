//! The quantization and dequantization kernels, and the choice between them.
//!
//! - [`portable`]: plain safe loops over fixed-width blocks with a scalar
//!   tail, which the compiler vectorizes by itself. Every target but x86-64
//!   uses it: on AArch64 and on the Cortex-M4F the `as` conversion of the
//!   formula is the hardware's saturating conversion (`fcvtzu`, `vcvt`).
//! - `x86` (x86-64 only): explicit SSE2 through `safe_arch`, in every build
//!   (SSE2 is x86-64's baseline); LLVM does not vectorize the saturating `as`
//!   cast there, so the kernel spells out `cvttps2dq` and the packs.
//! - `avx` (x86-64 with `std`): AVX2 (and with the `avx512` feature,
//!   AVX-512) kernels through `pulp`, picked at run time by `std`'s CPU
//!   feature detection (which checks that the OS saves the wide registers).
//!
//! Every kernel computes the same bits as the scalar formula of
//! `docs/FORMATS.md` §4 (`tests/kernels_isa.rs` checks each one the machine
//! has; `tests/kernels.rs` the dispatched public functions).

#[cfg(all(target_arch = "x86_64", feature = "std"))]
mod avx;
pub(super) mod portable;
#[cfg(target_arch = "x86_64")]
mod x86;

pub use portable::LevelImpl;
pub(super) use portable::{run_complex_with, Kernel};

/// A kernel family. Not covered by semver: for the tests and benchmarks,
/// which compare every kernel the machine has against the reference.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isa {
    /// The portable loops (the kernel of every target but x86-64).
    Portable,
    /// Explicit SSE2 (x86-64's default).
    Sse2,
    /// AVX2 (x86-64 with `std`, when the CPU has it).
    Avx2,
    /// AVX-512 F/BW (x86-64 with the `avx512` feature, when the CPU has it).
    Avx512,
}

impl Isa {
    /// Every family, slowest first.
    pub const ALL: [Isa; 4] = [Isa::Portable, Isa::Sse2, Isa::Avx2, Isa::Avx512];

    /// Whether this build has the kernel and this CPU can run it.
    pub fn available(self) -> bool {
        match self {
            Isa::Portable => true,
            Isa::Sse2 => cfg!(target_arch = "x86_64"),
            #[cfg(all(target_arch = "x86_64", feature = "std"))]
            Isa::Avx2 => avx::has_v3(),
            #[cfg(all(target_arch = "x86_64", feature = "avx512"))]
            Isa::Avx512 => avx::has_v4(),
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }

    /// The kernel the public functions use on this build and CPU.
    #[inline]
    pub fn best() -> Isa {
        #[cfg(all(target_arch = "x86_64", feature = "avx512"))]
        if avx::has_v4() {
            return Isa::Avx512;
        }
        #[cfg(all(target_arch = "x86_64", feature = "std"))]
        if avx::has_v3() {
            return Isa::Avx2;
        }
        if cfg!(target_arch = "x86_64") {
            Isa::Sse2
        } else {
            Isa::Portable
        }
    }
}

/// How the explicit kernels narrow a level (at most `hi`) into the output.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Out {
    /// One byte; `hi <= 255`.
    U8,
    /// Two bytes, little-endian; `hi <= 32767` (the `uint16` levels), so a
    /// signed pack is exact.
    U16,
    /// Two bytes, little-endian; `hi <= 65535`.
    U16Wide,
}

#[cfg(target_arch = "x86_64")]
impl Out {
    fn of<D: LevelImpl>(k: Kernel) -> Out {
        if D::BYTES == 1 {
            Out::U8
        } else if k.hi <= 32767.0 {
            Out::U16
        } else {
            Out::U16Wide
        }
    }

    /// Bytes per level.
    pub(super) fn width(self) -> usize {
        match self {
            Out::U8 => 1,
            Out::U16 | Out::U16Wide => 2,
        }
    }

    /// Writes one level `n` (at most `hi`) into `o` (`width()` bytes).
    #[inline(always)]
    pub(super) fn put(self, o: &mut [u8], n: u32) {
        match self {
            Out::U8 => {
                if let Some(b) = o.first_mut() {
                    *b = n as u8;
                }
            }
            Out::U16 | Out::U16Wide => {
                if let Ok(b) = <&mut [u8; 2]>::try_from(o) {
                    *b = (n as u16).to_le_bytes();
                }
            }
        }
    }
}

/// Samples per staging buffer: f64 and complex input in the AVX kernels,
/// and complex magnitudes on every x86 family, are converted to f32 into a
/// stack buffer of this many samples (1 KiB), which the f32 kernel then
/// quantizes while it is in L1. (SSE2 converts f64 and complex real parts
/// in its loop: [`quantize_converted`].)
#[cfg(target_arch = "x86_64")]
pub(super) const STAGE: usize = 256;

/// Blocks of 16 samples per staging buffer.
#[cfg(target_arch = "x86_64")]
pub(super) const STAGE_BLOCKS: usize = STAGE / 16;

/// How far ahead of its loads, in bytes, an explicit x86-64 kernel asks for
/// its input (see [`prefetch_block`]).
#[cfg(target_arch = "x86_64")]
const AHEAD: usize = 4096;

/// Asks for the input `AHEAD` bytes past block `j` of `n` samples of `s`,
/// one `prefetcht0` (through `safe_arch`) per 64-byte line, as far as `s`
/// reaches. The explicit kernels call it once per block: on large arrays a
/// single core's hardware prefetcher alone keeps too few cache misses in
/// flight, and the kernels stalled on their loads where a memcpy
/// (`rep movsb`) does not (`benches/ratio.rs` measures both;
/// `benches/README.md` has the figures). It only moves data into the cache:
/// no result depends on it.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(super) fn prefetch_block<T>(s: &[T], j: usize, n: usize) {
    let size = core::mem::size_of::<T>().clamp(1, 64);
    let (ahead, line) = (AHEAD.div_euclid(size), 64usize.div_euclid(size));
    let start = j.saturating_mul(n).saturating_add(ahead);
    // A fixed number of lines per block (1 or 2 for every caller), so that
    // the loop unrolls into that many `prefetcht0`.
    for l in 0..n.saturating_mul(size).div_ceil(64) {
        if let Some(x) = s.get(start.saturating_add(l.saturating_mul(line))) {
            safe_arch::prefetch_t0(x);
        }
    }
}

/// The family that runs when `isa` is asked for: `isa` itself if this build
/// and CPU have it, else the fastest one below it that they have. (Only
/// x86-64 has more than one family.)
#[cfg(target_arch = "x86_64")]
#[inline]
fn resolve(isa: Isa) -> Isa {
    match isa {
        Isa::Portable => Isa::Portable,
        #[cfg(all(target_arch = "x86_64", feature = "avx512"))]
        Isa::Avx512 if avx::has_v4() => Isa::Avx512,
        #[cfg(all(target_arch = "x86_64", feature = "std"))]
        Isa::Avx2 | Isa::Avx512 if avx::has_v3() => Isa::Avx2,
        _ => Isa::Sse2,
    }
}

/// Quantizes f32 samples into `dst` (same length) with the kernel family
/// `isa` (or a slower one if this build or CPU lacks it).
#[inline]
pub(super) fn quantize_f32<D: LevelImpl>(isa: Isa, src: &[f32], dst: &mut [D], k: Kernel) {
    #[cfg(target_arch = "x86_64")]
    {
        use zerocopy::IntoBytes;
        let (out, mode) = (dst.as_mut_bytes(), Out::of::<D>(k));
        match resolve(isa) {
            Isa::Portable => {}
            #[cfg(feature = "avx512")]
            Isa::Avx512 => return avx::run_v4(src, out, k, mode),
            #[cfg(feature = "std")]
            Isa::Avx2 => return avx::run_v3(src, out, k, mode),
            _ => return x86::run_f32(src, out, k, mode),
        }
    }
    let _ = isa;
    portable::run(src, dst, k, |x| x);
}

/// Samples that the SSE2 kernel converts to f32 inside its loop, 16 at a
/// time, without the staging buffer: f64 (rounded as `as f32` rounds:
/// `cvtpd2ps`) and interleaved complex pairs, of which it keeps the real
/// part (`shufps` / `unpcklpd`).
pub(super) trait Convert: Copy {
    /// The f32 the portable kernel quantizes for this sample.
    fn to_f32(self) -> f32;
    /// 16 samples (`sb.len() == 16`) as four vectors of f32.
    #[cfg(target_arch = "x86_64")]
    fn quads(sb: &[Self]) -> [safe_arch::m128; 4];
}

impl Convert for f64 {
    #[inline(always)]
    fn to_f32(self) -> f32 {
        self as f32
    }
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn quads(sb: &[f64]) -> [safe_arch::m128; 4] {
        x86::quads_f64(sb)
    }
}

impl Convert for [f32; 2] {
    #[inline(always)]
    fn to_f32(self) -> f32 {
        self[0]
    }
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn quads(sb: &[[f32; 2]]) -> [safe_arch::m128; 4] {
        x86::quads_c32(sb)
    }
}

impl Convert for [f64; 2] {
    #[inline(always)]
    fn to_f32(self) -> f32 {
        self[0] as f32
    }
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn quads(sb: &[[f64; 2]]) -> [safe_arch::m128; 4] {
        x86::quads_c64(sb)
    }
}

/// [`quantize_f32`] for samples that [`Convert`] maps to f32. The SSE2
/// kernel converts them in its loop; the others stage them.
#[inline]
pub(super) fn quantize_converted<S: Convert, D: LevelImpl>(
    isa: Isa,
    src: &[S],
    dst: &mut [D],
    k: Kernel,
) {
    #[cfg(target_arch = "x86_64")]
    if resolve(isa) == Isa::Sse2 {
        use zerocopy::IntoBytes;
        return x86::run_converted(src, dst.as_mut_bytes(), k, Out::of::<D>(k));
    }
    quantize(isa, src, dst, k, S::to_f32);
}

/// [`quantize_f32`] for samples that `f` maps to f32 (f64, complex pairs).
#[inline]
pub(super) fn quantize<S: Copy, D: LevelImpl>(
    isa: Isa,
    src: &[S],
    dst: &mut [D],
    k: Kernel,
    f: impl Fn(S) -> f32,
) {
    #[cfg(target_arch = "x86_64")]
    {
        use zerocopy::IntoBytes;
        let (out, mode) = (dst.as_mut_bytes(), Out::of::<D>(k));
        match resolve(isa) {
            Isa::Portable => {}
            #[cfg(feature = "avx512")]
            Isa::Avx512 => return avx::run_mapped_v4(src, out, k, mode, f),
            #[cfg(feature = "std")]
            Isa::Avx2 => return avx::run_mapped_v3(src, out, k, mode, f),
            _ => return x86::run_mapped(src, out, k, mode, f),
        }
    }
    let _ = isa;
    portable::run(src, dst, k, f);
}

/// The inverse map of [`super::Dequantizer`] with the kernel family `isa`:
/// `dst[i] = (vmin + f64(src[i]) * step) as f32`. (AVX-512 runs the AVX2
/// kernel: the conversions to f64 halve its lanes, and 8 were as fast.)
#[inline]
pub(super) fn dequantize<L: Copy + Into<u16>>(
    isa: Isa,
    src: &[L],
    dst: &mut [f32],
    vmin: f64,
    step: f64,
) {
    #[cfg(target_arch = "x86_64")]
    {
        let f = |l: L| -> u16 { l.into() };
        match resolve(isa) {
            Isa::Portable => {}
            #[cfg(feature = "std")]
            Isa::Avx2 | Isa::Avx512 => return avx::dequantize_v3(src, dst, vmin, step, f),
            _ => return x86::dequantize(src, dst, vmin, step, f),
        }
    }
    let _ = isa;
    portable::dequantize(src, dst, vmin, step);
}
