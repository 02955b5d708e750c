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
//! `docs/FORMATS.md` §4 (`tests/kernels.rs` checks each one the machine has).

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

/// Samples per staging buffer: f64 and complex input is converted to f32
/// into a stack buffer of this many samples (1 KiB), which the f32 kernel
/// then quantizes while it is in L1.
#[cfg(target_arch = "x86_64")]
pub(super) const STAGE: usize = 256;

/// Quantizes f32 samples into `dst` (same length) with the kernel family
/// `isa` (or a slower one if this build or CPU lacks it).
#[inline]
pub(super) fn quantize_f32<D: LevelImpl>(isa: Isa, src: &[f32], dst: &mut [D], k: Kernel) {
    #[cfg(target_arch = "x86_64")]
    {
        use zerocopy::IntoBytes;
        let out = Out::of::<D>(k);
        match isa {
            Isa::Portable => {}
            #[cfg(feature = "avx512")]
            Isa::Avx512 if avx::has_v4() => return avx::run_v4(src, dst.as_mut_bytes(), k, out),
            #[cfg(feature = "std")]
            Isa::Avx2 | Isa::Avx512 if avx::has_v3() => {
                return avx::run_v3(src, dst.as_mut_bytes(), k, out)
            }
            _ => return x86::run_f32(src, dst.as_mut_bytes(), k, out),
        }
    }
    let _ = isa;
    portable::run(src, dst, k, |x| x);
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
        let out = Out::of::<D>(k);
        match isa {
            Isa::Portable => {}
            #[cfg(feature = "avx512")]
            Isa::Avx512 if avx::has_v4() => {
                return avx::run_mapped_v4(src, dst.as_mut_bytes(), k, out, f)
            }
            #[cfg(feature = "std")]
            Isa::Avx2 | Isa::Avx512 if avx::has_v3() => {
                return avx::run_mapped_v3(src, dst.as_mut_bytes(), k, out, f)
            }
            _ => return x86::run_mapped(src, dst.as_mut_bytes(), k, out, f),
        }
    }
    let _ = isa;
    portable::run(src, dst, k, f);
}

/// The inverse map of [`super::Dequantizer`] with the kernel family `isa`:
/// `dst[i] = (vmin + f64(src[i]) * step) as f32`.
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
        match isa {
            Isa::Portable => {}
            #[cfg(feature = "std")]
            Isa::Avx2 | Isa::Avx512 if avx::has_v3() => {
                return avx::dequantize_v3(src, dst, vmin, step, f)
            }
            _ => return x86::dequantize(src, dst, vmin, step, f),
        }
    }
    let _ = isa;
    portable::dequantize(src, dst, vmin, step);
}
