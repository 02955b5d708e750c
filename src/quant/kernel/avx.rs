//! The run-time dispatched x86-64 kernels (with `std`): AVX2 (`pulp`'s
//! `V3`, x86-64-v3) and, with the `avx512` feature, AVX-512 F/BW (`V4`).
//! `pulp` holds the `unsafe`: its tokens exist only when `std`'s detection
//! (`is_x86_feature_detected!`, which also checks that the OS saves the
//! wide registers) found the features, and `vectorize` runs a closure with
//! them enabled. Vectors move in and out through `bytemuck::cast` (a safe
//! function; `pulp`'s `cast!` macro would put `unsafe` in this crate).
//!
//! AVX2 computes as the SSE2 kernel's `uint8` path does (see `x86.rs`), on
//! 8 lanes, for both dtypes: its `vpackusdw` saturates unsigned, so negative
//! lanes become 0 without a `maxps` and every `uint16` range up to 65535
//! narrows in one pack. AVX-512 keeps `maxps` and masks +inf with a compare
//! into a mask register, then narrows with `vpmovusdw` / `vpmovusdb`.

use core::arch::x86_64::{__m128i, __m256, __m256i};
use pulp::bytemuck::cast;
use pulp::x86::V3;
use pulp::NullaryFnOnce;

use super::x86::{staged, tail, Body};
use super::{prefetch_block, Kernel, Out};

/// Whether the CPU has AVX2 and FMA (x86-64-v3); cached by `pulp`.
pub(super) fn has_v3() -> bool {
    V3::is_available()
}

/// Whether the CPU has AVX-512 F/BW/CD/DQ/VL (x86-64-v4); cached by `pulp`.
#[cfg(feature = "avx512")]
pub(super) fn has_v4() -> bool {
    pulp::x86::V4::is_available()
}

/// The arguments of a kernel, run by `vectorize`: its `call` is
/// `inline(always)`, so the body is compiled inside the target-feature
/// function. (No closures on this path: a closure is compiled apart, without
/// the target features, and calls its intrinsics out of line.)
struct Job<'a, T, S, F> {
    token: T,
    src: &'a [S],
    out: &'a mut [u8],
    k: Kernel,
    mode: Out,
    f: F,
}

/// The per-chunk body of the AVX2 kernel, for `staged`.
struct Body3 {
    s: V3,
    k: Kernel,
    mode: Out,
}

impl Body for Body3 {
    #[inline(always)]
    fn run(&self, x: &[f32], o: &mut [u8]) {
        body_v3(self.s, x, o, self.k, self.mode);
    }
}

/// f32 input: no staging.
impl NullaryFnOnce for Job<'_, V3, f32, ()> {
    type Output = ();
    #[inline(always)]
    fn call(self) {
        body_v3(self.token, self.src, self.out, self.k, self.mode);
    }
}

/// Other input, mapped to f32 by `f` through the staging buffer.
struct Mapped<J>(J);

impl<S: Copy, F: Fn(S) -> f32> NullaryFnOnce for Mapped<Job<'_, V3, S, F>> {
    type Output = ();
    #[inline(always)]
    fn call(self) {
        let j = self.0;
        let body = Body3 {
            s: j.token,
            k: j.k,
            mode: j.mode,
        };
        staged(j.src, j.out, j.mode, j.f, body);
    }
}

/// Stores `bytes` into a chunk of exactly `N` bytes.
#[inline(always)]
fn store<const N: usize>(o: &mut [u8], bytes: [u8; N]) {
    if let Ok(o) = <&mut [u8; N]>::try_from(o) {
        *o = bytes;
    }
}

/// 8 samples as a vector.
#[inline(always)]
fn load8(s: &[f32]) -> __m256 {
    cast(<&[f32; 8]>::try_from(s).map_or([0.0; 8], |a| *a))
}

pub(super) fn run_v3(src: &[f32], out: &mut [u8], k: Kernel, mode: Out) {
    if let Some(token) = V3::try_new() {
        token.vectorize(Job {
            token,
            src,
            out,
            k,
            mode,
            f: (),
        });
    }
}

pub(super) fn run_mapped_v3<S: Copy>(
    src: &[S],
    out: &mut [u8],
    k: Kernel,
    mode: Out,
    f: impl Fn(S) -> f32,
) {
    if let Some(token) = V3::try_new() {
        token.vectorize(Mapped(Job {
            token,
            src,
            out,
            k,
            mode,
            f,
        }));
    }
}

/// The kernel constants, splatted.
#[derive(Clone, Copy)]
struct C3 {
    s: V3,
    offset: __m256,
    scale: __m256,
    hi: __m256,
    inf_bits: __m256i,
}

impl C3 {
    #[inline(always)]
    fn new(s: V3, k: Kernel) -> Self {
        C3 {
            s,
            offset: s.avx._mm256_set1_ps(k.offset),
            scale: s.avx._mm256_set1_ps(k.scale),
            hi: s.avx._mm256_set1_ps(k.hi),
            inf_bits: s.avx._mm256_set1_epi32(0x7F80_0000),
        }
    }

    /// The levels of 8 samples (`x.len() == 8`) as i32 lanes: in `0..=hi`,
    /// or negative where the level is 0, so the narrowing must saturate
    /// unsigned (`packusdw`). (A method, not a closure: closures are
    /// compiled apart, without the target features, and the intrinsics in
    /// them would not inline.)
    ///
    /// Six operations, three of them off the FP multiply/compare ports:
    /// `v < +inf` as a signed compare of the bits (false for +inf and
    /// positive NaNs) zeroes those lanes; `min(hi, v)` gives `v` back for a
    /// NaN, so a negative NaN, -inf and any `v <= -1` convert to a negative
    /// integer (`cvttps2dq` gives `i32::MIN` for NaN, infinities and values
    /// out of range), which the unsigned-saturating pack makes 0.
    #[inline(always)]
    fn levels(&self, x: &[f32]) -> __m256i {
        let (avx, avx2) = (self.s.avx, self.s.avx2);
        let v = avx._mm256_mul_ps(avx._mm256_sub_ps(load8(x), self.offset), self.scale);
        let keep = avx2._mm256_cmpgt_epi32(self.inf_bits, cast::<__m256, __m256i>(v));
        let l = avx._mm256_cvttps_epi32(avx._mm256_min_ps(self.hi, v));
        avx2._mm256_and_si256(keep, l)
    }
}

#[inline(always)]
fn body_v3(s: V3, src: &[f32], out: &mut [u8], k: Kernel, mode: Out) {
    let avx2 = s.avx2;
    let c = C3::new(s, k);
    match mode {
        Out::U8 => {
            // packs work within 128-bit lanes; this puts the dwords back in order.
            let order = cast::<[i32; 8], __m256i>([0, 4, 1, 5, 2, 6, 3, 7]);
            let s32 = src.chunks_exact(32);
            let rest = s32.remainder();
            let mut o = out.chunks_exact_mut(32);
            for (j, (sb, ob)) in s32.zip(&mut o).enumerate() {
                prefetch_block(src, j, 32);
                let (l, r) = sb.split_at(16);
                let (a, b) = l.split_at(8);
                let (cc, d) = r.split_at(8);
                let ab = avx2._mm256_packus_epi32(c.levels(a), c.levels(b));
                let cd = avx2._mm256_packus_epi32(c.levels(cc), c.levels(d));
                let p = avx2._mm256_packus_epi16(ab, cd);
                store(
                    ob,
                    cast::<__m256i, [u8; 32]>(avx2._mm256_permutevar8x32_epi32(p, order)),
                );
            }
            tail(rest, o.into_remainder(), k, mode, |x| x);
        }
        Out::U16 | Out::U16Wide => {
            let s16 = src.chunks_exact(16);
            let rest = s16.remainder();
            let mut o = out.chunks_exact_mut(32);
            for (j, (sb, ob)) in s16.zip(&mut o).enumerate() {
                prefetch_block(src, j, 16);
                let (a, b) = sb.split_at(8);
                let p = avx2._mm256_packus_epi32(c.levels(a), c.levels(b));
                // packs work within 128-bit lanes; this puts them back in order.
                let p = avx2._mm256_permute4x64_epi64::<0b11_01_10_00>(p);
                store(ob, cast::<__m256i, [u8; 32]>(p));
            }
            tail(rest, o.into_remainder(), k, mode, |x| x);
        }
    }
}

pub(super) fn dequantize_v3<L: Copy>(
    src: &[L],
    dst: &mut [f32],
    vmin: f64,
    step: f64,
    f: impl Fn(L) -> u16,
) {
    if let Some(s) = V3::try_new() {
        s.vectorize(Deq {
            s,
            src,
            dst,
            vmin,
            step,
            f,
        });
    }
}

/// The arguments of the AVX2 dequantization (see [`Job`]).
struct Deq<'a, L, F> {
    s: V3,
    src: &'a [L],
    dst: &'a mut [f32],
    vmin: f64,
    step: f64,
    f: F,
}

impl<L: Copy, F: Fn(L) -> u16> NullaryFnOnce for Deq<'_, L, F> {
    type Output = ();
    #[inline(always)]
    fn call(self) {
        dequantize_body_v3(self.s, self.src, self.dst, self.vmin, self.step, self.f);
    }
}

#[inline(always)]
fn dequantize_body_v3<L: Copy>(
    s: V3,
    src: &[L],
    dst: &mut [f32],
    vmin: f64,
    step: f64,
    f: impl Fn(L) -> u16,
) {
    {
        let (avx, avx2) = (s.avx, s.avx2);
        let v0 = avx._mm256_set1_pd(vmin);
        let st = avx._mm256_set1_pd(step);
        let mut sc = src.chunks_exact(8);
        let mut dc = dst.chunks_exact_mut(8);
        for (j, (sb, db)) in (&mut sc).zip(&mut dc).enumerate() {
            prefetch_block(src, j, 8);
            let mut q = [0u16; 8];
            for (q, &l) in q.iter_mut().zip(sb) {
                *q = f(l);
            }
            let q = avx2._mm256_cvtepu16_epi32(cast::<[u16; 8], __m128i>(q));
            let lo = avx._mm256_cvtepi32_pd(avx._mm256_castsi256_si128(q));
            let hi = avx._mm256_cvtepi32_pd(avx2._mm256_extracti128_si256::<1>(q));
            let lo = avx._mm256_cvtpd_ps(avx._mm256_add_pd(v0, avx._mm256_mul_pd(lo, st)));
            let hi = avx._mm256_cvtpd_ps(avx._mm256_add_pd(v0, avx._mm256_mul_pd(hi, st)));
            let [a, b]: [[f32; 4]; 2] = [cast(lo), cast(hi)];
            if let Ok(db) = <&mut [f32; 8]>::try_from(db) {
                let [a0, a1, a2, a3] = a;
                let [b0, b1, b2, b3] = b;
                *db = [a0, a1, a2, a3, b0, b1, b2, b3];
            }
        }
        for (o, &l) in dc.into_remainder().iter_mut().zip(sc.remainder()) {
            *o = (vmin + f64::from(f(l)) * step) as f32;
        }
    }
}

#[cfg(feature = "avx512")]
mod v4 {
    use core::arch::x86_64::{__m128i, __m256i, __m512, __m512i, _CMP_EQ_OQ};
    use pulp::bytemuck::cast;
    use pulp::x86::V4;

    use pulp::NullaryFnOnce;

    use super::super::x86::{staged, tail, Body};
    use super::super::{prefetch_block, Kernel, Out};
    use super::{store, Job, Mapped};

    struct Body4 {
        s: V4,
        k: Kernel,
        mode: Out,
    }

    impl Body for Body4 {
        #[inline(always)]
        fn run(&self, x: &[f32], o: &mut [u8]) {
            body_v4(self.s, x, o, self.k, self.mode);
        }
    }

    impl NullaryFnOnce for Job<'_, V4, f32, ()> {
        type Output = ();
        #[inline(always)]
        fn call(self) {
            body_v4(self.token, self.src, self.out, self.k, self.mode);
        }
    }

    impl<S: Copy, F: Fn(S) -> f32> NullaryFnOnce for Mapped<Job<'_, V4, S, F>> {
        type Output = ();
        #[inline(always)]
        fn call(self) {
            let j = self.0;
            let body = Body4 {
                s: j.token,
                k: j.k,
                mode: j.mode,
            };
            staged(j.src, j.out, j.mode, j.f, body);
        }
    }

    pub(in super::super) fn run_v4(src: &[f32], out: &mut [u8], k: Kernel, mode: Out) {
        if let Some(token) = V4::try_new() {
            token.vectorize(Job {
                token,
                src,
                out,
                k,
                mode,
                f: (),
            });
        }
    }

    pub(in super::super) fn run_mapped_v4<S: Copy>(
        src: &[S],
        out: &mut [u8],
        k: Kernel,
        mode: Out,
        f: impl Fn(S) -> f32,
    ) {
        if let Some(token) = V4::try_new() {
            token.vectorize(Mapped(Job {
                token,
                src,
                out,
                k,
                mode,
                f,
            }));
        }
    }

    /// The levels of 16 samples (`x.len() == 16`); `c` is offset, scale,
    /// hi, +inf and 0, splatted.
    #[inline(always)]
    fn levels_v4(s: V4, c: &[__m512; 5], x: &[f32]) -> __m512i {
        let f = s.avx512f;
        let [offset, scale, hi, inf, zero] = *c;
        let x: __m512 = cast(<&[f32; 16]>::try_from(x).map_or([0.0; 16], |a| *a));
        let v = f._mm512_mul_ps(f._mm512_sub_ps(x, offset), scale);
        let v = f._mm512_max_ps(v, zero);
        let is_inf = f._mm512_cmp_ps_mask::<_CMP_EQ_OQ>(v, inf);
        let v = f._mm512_maskz_mov_ps(!is_inf, v);
        f._mm512_cvttps_epi32(f._mm512_min_ps(v, hi))
    }

    /// 16 lanes; the final narrowing is `vpmovusdw` / `vpmovusdb`
    /// (unsigned saturation, exact for levels up to 65535 / 255).
    #[inline(always)]
    fn body_v4(s: V4, src: &[f32], out: &mut [u8], k: Kernel, mode: Out) {
        let f = s.avx512f;
        let c = [
            f._mm512_set1_ps(k.offset),
            f._mm512_set1_ps(k.scale),
            f._mm512_set1_ps(k.hi),
            f._mm512_set1_ps(f32::INFINITY),
            f._mm512_setzero_ps(),
        ];
        let s16 = src.chunks_exact(16);
        let rest = s16.remainder();
        match mode {
            Out::U8 => {
                let mut o = out.chunks_exact_mut(16);
                for (j, (sb, ob)) in s16.zip(&mut o).enumerate() {
                    prefetch_block(src, j, 16);
                    let p = f._mm512_cvtusepi32_epi8(levels_v4(s, &c, sb));
                    store(ob, cast::<__m128i, [u8; 16]>(p));
                }
                tail(rest, o.into_remainder(), k, mode, |x| x);
            }
            Out::U16 | Out::U16Wide => {
                let mut o = out.chunks_exact_mut(32);
                for (j, (sb, ob)) in s16.zip(&mut o).enumerate() {
                    prefetch_block(src, j, 16);
                    let p = f._mm512_cvtusepi32_epi16(levels_v4(s, &c, sb));
                    store(ob, cast::<__m256i, [u8; 32]>(p));
                }
                tail(rest, o.into_remainder(), k, mode, |x| x);
            }
        }
    }
}
#[cfg(feature = "avx512")]
pub(super) use v4::{run_mapped_v4, run_v4};
