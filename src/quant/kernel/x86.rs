//! The x86-64 default kernels: explicit SSE2 through `safe_arch` (which
//! holds the `unsafe` of the intrinsics; SSE2 is part of x86-64, so no
//! detection is needed).
//!
//! Per 4 samples: `subps`, `mulps` (the two f32 operations of the formula,
//! unfused), `minps` against `hi`, `cvttps2dq` (which truncates exactly in
//! `0..=hi`), and `pcmpgtd` + `pand`, which zero the lanes whose `v` is not
//! below +inf: as signed integers, the bits of +inf and of positive NaNs
//! are at least `0x7F80_0000`, those of every smaller positive value below
//! it. (An integer compare runs on more ports than `cmpps`.) Negative
//! lanes: for `uint16`, `maxps` against 0 first (which also maps NaN to 0:
//! `maxps` returns its second operand when either is NaN); for `uint8` none
//! is needed, since `minps(hi, v)` gives a NaN back, `cvttps2dq` makes NaN,
//! -inf and every `v <= -1` negative, and the final unsigned pack makes
//! them 0. Signed packs narrow the levels: `packssdw` is exact for levels
//! up to 32767, `packuswb` after it for `uint8`; levels up to 65535 are
//! shifted down by 32768 around the pack.

use safe_arch::{
    add_m128d, bitand_m128i, bitxor_m128i, cast_to_m128i_from_m128, cmp_gt_mask_i32_m128i,
    convert_to_m128_from_m128d, convert_to_m128d_from_lower2_i32_m128i, load_unaligned_m128,
    load_unaligned_m128d, m128, m128d, m128i, max_m128, min_m128, move_low_high_m128, mul_m128,
    mul_m128d, pack_i16_to_u8_m128i, pack_i32_to_i16_m128i, set_splat_i16_m128i,
    set_splat_i32_m128i, set_splat_m128, set_splat_m128d, shuffle_abi_f32_all_m128, sub_i32_m128i,
    sub_m128, truncate_m128_to_m128i, unpack_high_i16_m128i, unpack_low_i16_m128i,
    unpack_low_m128d, zeroed_m128, zeroed_m128i,
};

use super::{prefetch_block, Convert, Kernel, Out, STAGE, STAGE_BLOCKS};

/// The kernel constants, splatted.
#[derive(Clone, Copy)]
struct Consts {
    offset: m128,
    scale: m128,
    hi: m128,
    inf_bits: m128i,
    zero: m128,
}

impl Consts {
    #[inline(always)]
    fn new(k: Kernel) -> Self {
        Consts {
            offset: set_splat_m128(k.offset),
            scale: set_splat_m128(k.scale),
            hi: set_splat_m128(k.hi),
            inf_bits: set_splat_i32_m128i(0x7F80_0000),
            zero: zeroed_m128(),
        }
    }

    /// `v` of 4 samples.
    #[inline(always)]
    fn v(&self, x: m128) -> m128 {
        mul_m128(sub_m128(x, self.offset), self.scale)
    }

    /// `v`'s lanes where `v < +inf` (a signed compare of the bits: false for
    /// +inf and positive NaNs), zero elsewhere.
    #[inline(always)]
    fn below_inf(&self, v: m128, l: m128i) -> m128i {
        bitand_m128i(
            cmp_gt_mask_i32_m128i(self.inf_bits, cast_to_m128i_from_m128(v)),
            l,
        )
    }

    /// The levels of 4 samples, as i32 lanes in `0..=hi`.
    #[inline(always)]
    fn levels(&self, x: m128) -> m128i {
        let v = max_m128(self.v(x), self.zero);
        self.below_inf(v, truncate_m128_to_m128i(min_m128(v, self.hi)))
    }

    /// The levels of 4 samples, as i32 lanes in `0..=hi` or negative where
    /// the level is 0 (for the `uint8` packs, whose second saturates
    /// unsigned): `min(hi, v)` gives a NaN `v` back, and a negative NaN,
    /// -inf or `v <= -1` converts to a negative integer (`cvttps2dq` gives
    /// `i32::MIN` for NaN and out-of-range values).
    #[inline(always)]
    fn levels_or_negative(&self, x: m128) -> m128i {
        let v = self.v(x);
        self.below_inf(v, truncate_m128_to_m128i(min_m128(self.hi, v)))
    }
}

/// Quantizes f32 samples into `out`, `mode.width()` bytes per sample
/// (`out.len()` is `src.len() * width`, as the caller's `&mut [D]`
/// guarantees).
#[inline(always)]
pub(super) fn run_f32(src: &[f32], out: &mut [u8], k: Kernel, mode: Out) {
    body(src, out, k, mode);
}

/// [`run_f32`] for samples converted to f32 in the loop (no staging).
#[inline(always)]
pub(super) fn run_converted<S: Convert>(src: &[S], out: &mut [u8], k: Kernel, mode: Out) {
    blocks(src, out, k, mode, S::quads, S::to_f32);
}

#[inline(always)]
fn body(src: &[f32], out: &mut [u8], k: Kernel, mode: Out) {
    blocks(src, out, k, mode, quads, |x| x);
}

/// [`run_f32`] for samples that `f` maps to f32.
#[inline(always)]
pub(super) fn run_mapped<S: Copy>(
    src: &[S],
    out: &mut [u8],
    k: Kernel,
    mode: Out,
    f: impl Fn(S) -> f32,
) {
    staged(src, out, mode, f, Sse2 { k, mode });
}

/// One kernel body, for [`staged`]. A trait rather than a closure: the
/// AVX kernels run inside a target-feature function, and a closure would be
/// compiled apart, without the features, and call its intrinsics out of line.
pub(super) trait Body {
    /// Quantizes `x` into `o` (`o.len()` is `x.len()` times the width).
    fn run(&self, x: &[f32], o: &mut [u8]);
}

struct Sse2 {
    k: Kernel,
    mode: Out,
}

impl Body for Sse2 {
    #[inline(always)]
    fn run(&self, x: &[f32], o: &mut [u8]) {
        body(x, o, self.k, self.mode);
    }
}

/// Runs `body` on `src` mapped to f32 through a stack buffer of [`STAGE`]
/// samples, which stays in L1.
#[inline(always)]
pub(super) fn staged<S: Copy>(
    src: &[S],
    out: &mut [u8],
    mode: Out,
    f: impl Fn(S) -> f32,
    body: impl Body,
) {
    let mut buf = [0.0f32; STAGE];
    let chunk = match mode {
        Out::U8 => STAGE,
        Out::U16 | Out::U16Wide => 2 * STAGE,
    };
    for (c, (sc, oc)) in src.chunks(STAGE).zip(out.chunks_mut(chunk)).enumerate() {
        let Some(x) = buf.get_mut(..sc.len()) else {
            break;
        };
        // 16 samples at a time, with one prefetch per 64 bytes of input.
        let mut b16 = x.chunks_exact_mut(16);
        let mut s16 = sc.chunks_exact(16);
        for (j, (bb, sb)) in (&mut b16).zip(&mut s16).enumerate() {
            prefetch_block(src, c.saturating_mul(STAGE_BLOCKS).saturating_add(j), 16);
            for (b, &s) in bb.iter_mut().zip(sb) {
                *b = f(s);
            }
        }
        for (b, &s) in b16.into_remainder().iter_mut().zip(s16.remainder()) {
            *b = f(s);
        }
        body.run(x, oc);
    }
}

/// The scalar tail of every explicit kernel: the portable formula, one
/// level at a time, on the samples mapped to f32.
#[inline(always)]
pub(super) fn tail<S: Copy>(
    src: &[S],
    out: &mut [u8],
    k: Kernel,
    mode: Out,
    map: impl Fn(S) -> f32,
) {
    for (&x, o) in src.iter().zip(out.chunks_exact_mut(mode.width())) {
        mode.put(o, k.level(map(x)));
    }
}

/// 4 samples (`s.len() == 4`) as a vector: one `movups`.
#[inline(always)]
fn load4(s: &[f32]) -> m128 {
    <&[f32; 4]>::try_from(s)
        .map(load_unaligned_m128)
        .unwrap_or_default()
}

/// `f` of each quarter of `s` (`s.len()` a multiple of 4): the four vectors
/// of one 16-sample block.
#[inline(always)]
fn quarters<T>(s: &[T], f: impl Fn(&[T]) -> m128) -> [m128; 4] {
    let (l, r) = s.split_at(s.len() / 2);
    let (a, b) = l.split_at(l.len() / 2);
    let (c, d) = r.split_at(r.len() / 2);
    [f(a), f(b), f(c), f(d)]
}

/// A block of 16 samples as four vectors.
#[inline(always)]
fn quads(sb: &[f32]) -> [m128; 4] {
    quarters(sb, load4)
}

/// Two f64 (`s.len() == 2`) as a vector: one `movupd`.
#[inline(always)]
fn load2(s: &[f64]) -> m128d {
    <&[f64; 2]>::try_from(s)
        .map(load_unaligned_m128d)
        .unwrap_or_default()
}

/// 16 f64 samples (`sb.len() == 16`) rounded to f32 (`cvtpd2ps`, round to
/// nearest like `as f32`), as four vectors.
#[inline(always)]
pub(super) fn quads_f64(sb: &[f64]) -> [m128; 4] {
    let two = |s: &[f64]| convert_to_m128_from_m128d(load2(s));
    quarters(sb, |s| {
        let (a, b) = s.split_at(2);
        move_low_high_m128(two(a), two(b))
    })
}

/// The real parts of 16 complex64 samples (`sb.len() == 16`, 32 floats) as
/// four vectors: `shufps` keeps lanes 0 and 2 of each of two loads.
#[inline(always)]
pub(super) fn quads_c32(sb: &[[f32; 2]]) -> [m128; 4] {
    quarters(sb.as_flattened(), |s| {
        let (a, b) = s.split_at(4);
        shuffle_abi_f32_all_m128::<0b10_00_10_00>(load4(a), load4(b))
    })
}

/// The real parts of 16 complex128 samples (`sb.len() == 16`, 32 f64) rounded
/// to f32, as four vectors: `unpcklpd` joins the real parts of two samples,
/// `cvtpd2ps` rounds them.
#[inline(always)]
pub(super) fn quads_c64(sb: &[[f64; 2]]) -> [m128; 4] {
    let flat = sb.as_flattened();
    let two = |s: &[f64]| {
        let (a, b) = s.split_at(2);
        convert_to_m128_from_m128d(unpack_low_m128d(load2(a), load2(b)))
    };
    quarters(flat, |s| {
        let (a, b) = s.split_at(4);
        move_low_high_m128(two(a), two(b))
    })
}

/// Stores a vector's bytes into a chunk of exactly 16 bytes.
#[inline(always)]
fn store16(o: &mut [u8], v: m128i) {
    if let Ok(o) = <&mut [u8; 16]>::try_from(o) {
        *o = <[u8; 16]>::from(v);
    }
}

/// The quantization loop over blocks of 16 samples, which `quads` loads as
/// four f32 vectors; `map` converts the samples of the scalar tail.
#[inline(always)]
fn blocks<S: Copy>(
    src: &[S],
    out: &mut [u8],
    k: Kernel,
    mode: Out,
    quads: impl Fn(&[S]) -> [m128; 4],
    map: impl Fn(S) -> f32,
) {
    let c = Consts::new(k);
    let s = src.chunks_exact(16);
    let rest = s.remainder();
    match mode {
        Out::U8 => {
            let mut o = out.chunks_exact_mut(16);
            for (j, (sb, ob)) in s.zip(&mut o).enumerate() {
                prefetch_block(src, j, 16);
                let [a, b, cc, d] = quads(sb);
                let l = |x| c.levels_or_negative(x);
                let ab = pack_i32_to_i16_m128i(l(a), l(b));
                let cd = pack_i32_to_i16_m128i(l(cc), l(d));
                store16(ob, pack_i16_to_u8_m128i(ab, cd));
            }
            tail(rest, o.into_remainder(), k, mode, &map);
        }
        Out::U16 => {
            let mut o = out.chunks_exact_mut(32);
            for (j, (sb, ob)) in s.zip(&mut o).enumerate() {
                prefetch_block(src, j, 16);
                let [a, b, cc, d] = quads(sb);
                let (lo, hi) = ob.split_at_mut(16);
                store16(lo, pack_i32_to_i16_m128i(c.levels(a), c.levels(b)));
                store16(hi, pack_i32_to_i16_m128i(c.levels(cc), c.levels(d)));
            }
            tail(rest, o.into_remainder(), k, mode, &map);
        }
        Out::U16Wide => {
            // 0..=65535 shifted to i16's range packs exactly; flipping the
            // sign bit shifts it back.
            let bias = set_splat_i32_m128i(0x8000);
            let flip = set_splat_i16_m128i(i16::MIN);
            let pack = |a: m128i, b: m128i| {
                let p = pack_i32_to_i16_m128i(sub_i32_m128i(a, bias), sub_i32_m128i(b, bias));
                bitxor_m128i(p, flip)
            };
            let mut o = out.chunks_exact_mut(32);
            for (j, (sb, ob)) in s.zip(&mut o).enumerate() {
                prefetch_block(src, j, 16);
                let [a, b, cc, d] = quads(sb);
                let (lo, hi) = ob.split_at_mut(16);
                store16(lo, pack(c.levels(a), c.levels(b)));
                store16(hi, pack(c.levels(cc), c.levels(d)));
            }
            tail(rest, o.into_remainder(), k, mode, &map);
        }
    }
}

/// Dequantization, 8 levels at a time: widen to i32 (`punpck*wd` with
/// zero), convert to f64 (`cvtdq2pd`), `mulpd` and `addpd` (unfused, as the
/// formula is), round to f32 (`cvtpd2ps`, round to nearest like `as f32`).
#[inline(always)]
pub(super) fn dequantize<L: Copy>(
    src: &[L],
    dst: &mut [f32],
    vmin: f64,
    step: f64,
    f: impl Fn(L) -> u16,
) {
    let v0 = set_splat_m128d(vmin);
    let st = set_splat_m128d(step);
    let zero = zeroed_m128i();
    let four = |q: m128i| -> m128 {
        // q: four i32 lanes.
        let lo = convert_to_m128d_from_lower2_i32_m128i(q);
        let hi = convert_to_m128d_from_lower2_i32_m128i(safe_arch::shuffle_ai_f32_all_m128i::<
            0b01_00_11_10,
        >(q));
        let lo = convert_to_m128_from_m128d(add_m128d(v0, mul_m128d(lo, st)));
        let hi = convert_to_m128_from_m128d(add_m128d(v0, mul_m128d(hi, st)));
        move_low_high_m128(lo, hi)
    };
    let mut s = src.chunks_exact(8);
    let mut d = dst.chunks_exact_mut(8);
    for (j, (sb, db)) in (&mut s).zip(&mut d).enumerate() {
        prefetch_block(src, j, 8);
        let mut q = [0u16; 8];
        for (q, &l) in q.iter_mut().zip(sb) {
            *q = f(l);
        }
        let q = m128i::from(q);
        let a = four(unpack_low_i16_m128i(q, zero));
        let b = four(unpack_high_i16_m128i(q, zero));
        if let Ok(db) = <&mut [f32; 8]>::try_from(db) {
            let [a0, a1, a2, a3] = a.to_array();
            let [b0, b1, b2, b3] = b.to_array();
            *db = [a0, a1, a2, a3, b0, b1, b2, b3];
        }
    }
    for (o, &l) in d.into_remainder().iter_mut().zip(s.remainder()) {
        *o = (vmin + f64::from(f(l)) * step) as f32;
    }
}
