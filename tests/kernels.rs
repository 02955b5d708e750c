//! The vectorized kernels against plain scalar references written straight
//! from docs/FORMATS.md §4 (and, for byte copies, per-element encoding), on random bit
//! patterns, special values (NaN payloads, subnormals, ±0, ±inf) and values
//! at the clip edges, for every kind of range and every tail length.
//!
//! The kernels process blocks of 16 samples and a scalar tail, so lengths run
//! over 0..=80: every tail size, with zero to five whole blocks before it.

mod common;

use framewire::quant::{self, ComplexPart, Dequantizer, Quantizer, Samples};
use framewire::vcbn::{self, Blob, Dtype, Endianness, Levels, Params};
use framewire::{sac, Error, Shape};
use proptest::prelude::*;

// ---------------------------------------------------------------------------
// References, written plainly from docs/FORMATS.md (no blocks, no tricks).

/// docs/FORMATS.md §4 for one sample, as the level before the cast to the output type.
fn ref_level(x: f32, vmin: f64, vmax: f64, resolution: u32) -> f32 {
    let denom = vmax - vmin;
    if !denom.is_finite() || denom <= 0.0 {
        return 0.0;
    }
    let scale = (f64::from(resolution) / denom) as f32;
    let v = (x - vmin as f32) * scale;
    if !v.is_finite() {
        return 0.0;
    }
    let hi = resolution as f32;
    let v = if v < 0.0 {
        0.0
    } else if v > hi {
        hi
    } else {
        v
    };
    v.trunc()
}

fn ref_u16(src: &[f32], vmin: f64, vmax: f64) -> Vec<u16> {
    src.iter()
        .map(|&x| ref_level(x, vmin, vmax, 4096) as u16)
        .collect()
}

fn ref_u8(src: &[f32], vmin: f64, vmax: f64) -> Vec<u8> {
    src.iter()
        .map(|&x| ref_level(x, vmin, vmax, 255) as u8)
        .collect()
}

/// `np.asarray(z, np.float32)` of complex pairs keeps the real part; the
/// magnitude option is `|z|` in f64, rounded to f32.
fn ref_complex32(src: &[f32], part: ComplexPart) -> Vec<f32> {
    src.chunks_exact(2)
        .map(|p| match part {
            ComplexPart::Real => p[0],
            ComplexPart::Magnitude => {
                let (re, im) = (f64::from(p[0]), f64::from(p[1]));
                (re * re + im * im).sqrt() as f32
            }
        })
        .collect()
}

fn ref_complex64(src: &[f64], part: ComplexPart) -> Vec<f32> {
    src.chunks_exact(2)
        .map(|p| match part {
            ComplexPart::Real => p[0] as f32,
            ComplexPart::Magnitude => libm::hypot(p[0], p[1]) as f32,
        })
        .collect()
}

/// docs/FORMATS.md §4 dequantization: `vmin + q * ((vmax - vmin) / resolution)` in f64,
/// rounded to f32.
fn ref_dequant(q: u16, vmin: f64, vmax: f64, resolution: u32) -> f32 {
    (vmin + f64::from(q) * ((vmax - vmin) / f64::from(resolution))) as f32
}

fn le16(v: &[u16]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

// ---------------------------------------------------------------------------
// Strategies.

/// Ranges of every kind docs/FORMATS.md distinguishes.
fn range() -> impl Strategy<Value = (f64, f64)> {
    prop_oneof![
        // Ordinary finite ranges.
        4 => (-1e3f64..1e3, 1e-3f64..1e4).prop_map(|(lo, w)| (lo, lo + w)),
        // Small integers, where many samples land exactly on levels.
        2 => (-8i32..8, 1i32..16).prop_map(|(lo, w)| (f64::from(lo), f64::from(lo + w))),
        // vmin >= vmax: every level is 0.
        1 => (-1e3f64..1e3).prop_map(|v| (v, v)),
        1 => (-1e3f64..1e3, 1e-6f64..1e3).prop_map(|(hi, w)| (hi + w, hi)),
        // Tiny ranges: scale overflows f32 (or even f64's division).
        1 => (-1.0f64..1.0, prop_oneof![Just(1e-30), Just(1e-40), Just(1e-300), Just(5e-324)])
            .prop_map(|(lo, w)| (lo, lo + w)),
        // Huge ranges, and ranges whose ends overflow f32.
        1 => prop_oneof![
            Just((-3e38, 3e38)),
            Just((-1e300, 1e300)),
            Just((0.0, 1e39)),
            Just((-1e39, 0.0)),
            Just((f64::from(f32::MIN), f64::from(f32::MAX))),
        ],
        // Non-finite ends or a non-finite width: every level is 0.
        1 => prop_oneof![
            Just((f64::NAN, 1.0)),
            Just((0.0, f64::NAN)),
            Just((f64::NEG_INFINITY, 1.0)),
            Just((0.0, f64::INFINITY)),
            Just((-f64::MAX, f64::MAX)),
        ],
        // Anything at all.
        1 => (any::<u64>(), any::<u64>()).prop_map(|(a, b)| (f64::from_bits(a), f64::from_bits(b))),
    ]
}

const SPECIAL_F32: [f32; 16] = [
    0.0,
    -0.0,
    f32::INFINITY,
    f32::NEG_INFINITY,
    f32::NAN,
    -f32::NAN,
    f32::MIN_POSITIVE,
    -f32::MIN_POSITIVE,
    1e-45, // smallest subnormal
    -1e-45,
    f32::MAX,
    f32::MIN,
    f32::EPSILON,
    1.0,
    -1.0,
    0.5,
];

fn next_up(x: f32) -> f32 {
    if x.is_nan() || x == f32::INFINITY {
        return x;
    }
    if x == 0.0 {
        return f32::from_bits(1);
    }
    let b = x.to_bits();
    f32::from_bits(if x > 0.0 { b + 1 } else { b - 1 })
}

fn next_down(x: f32) -> f32 {
    -next_up(-x)
}

/// Values at the edges of `vmin..vmax` for resolution `res`: the ends, the
/// inputs that map exactly onto levels (and onto `hi`), and their neighbours.
fn edge_values(vmin: f64, vmax: f64, res: u32, k: u32, nudge: i8) -> f32 {
    let step = (vmax - vmin) / f64::from(res);
    let x = match k % 4 {
        0 => vmin as f32,
        1 => vmax as f32,
        // Exactly on level k (up to f32 rounding).
        _ => (vmin + f64::from(k % (res + 1)) * step) as f32,
    };
    match nudge {
        n if n < 0 => next_down(x),
        n if n > 0 => next_up(x),
        _ => x,
    }
}

/// One f32 sample for the range: random bits, a special value, or an edge.
fn sample_f32(vmin: f64, vmax: f64, res: u32) -> impl Strategy<Value = f32> {
    prop_oneof![
        3 => any::<u32>().prop_map(f32::from_bits),
        // NaN payloads of both signs.
        1 => (any::<bool>(), 1u32..0x80_0000).prop_map(|(s, p)| {
            f32::from_bits(if s { 0xFF80_0000 } else { 0x7F80_0000 } | p)
        }),
        // Subnormals.
        1 => (any::<bool>(), 1u32..0x80_0000)
            .prop_map(|(s, m)| f32::from_bits(if s { 0x8000_0000 } else { 0 } | m)),
        2 => proptest::sample::select(SPECIAL_F32.to_vec()),
        // Inside the range (most real data).
        3 => (0.0f64..1.0).prop_map(move |t| (vmin + t * (vmax - vmin)) as f32),
        4 => (any::<u32>(), -1i8..=1).prop_map(move |(k, n)| edge_values(vmin, vmax, res, k, n)),
    ]
}

/// A range and `0..=80` samples for it.
fn case_f32(res: u32) -> impl Strategy<Value = (f64, f64, Vec<f32>)> {
    range().prop_flat_map(move |(vmin, vmax)| {
        (
            Just(vmin),
            Just(vmax),
            proptest::collection::vec(sample_f32(vmin, vmax, res), 0..=80),
        )
    })
}

/// f64 samples: f32 samples widened, their f64 neighbours (rounding to f32
/// goes both ways), values past f32's range, and random f64 bit patterns.
fn sample_f64(vmin: f64, vmax: f64, res: u32) -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => sample_f32(vmin, vmax, res).prop_map(f64::from),
        2 => (sample_f32(vmin, vmax, res), -3i64..=3).prop_map(|(x, d)| {
            let x = f64::from(x);
            if x.is_finite() {
                f64::from_bits(x.to_bits().wrapping_add_signed(d << 28))
            } else {
                x
            }
        }),
        1 => any::<u64>().prop_map(f64::from_bits),
        1 => proptest::sample::select(vec![1e39, -1e39, 1e-50, -1e-50, f64::MAX, f64::MIN_POSITIVE]),
    ]
}

fn case_f64(res: u32) -> impl Strategy<Value = (f64, f64, Vec<f64>)> {
    range().prop_flat_map(move |(vmin, vmax)| {
        (
            Just(vmin),
            Just(vmax),
            proptest::collection::vec(sample_f64(vmin, vmax, res), 0..=80),
        )
    })
}

/// A finite range (what the VCBN encoder accepts) and samples.
fn finite_case_f32(res: u32) -> impl Strategy<Value = (f64, f64, Vec<f32>)> {
    case_f32(res).prop_filter("finite range", |(a, b, _)| a.is_finite() && b.is_finite())
}

fn part() -> impl Strategy<Value = ComplexPart> {
    prop_oneof![Just(ComplexPart::Real), Just(ComplexPart::Magnitude)]
}

/// Compares float vectors bit for bit, treating every NaN as equal.
#[track_caller]
fn same_f32(got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan()),
            "element {i}: got {g:e} ({:#x}), want {w:e} ({:#x})",
            g.to_bits(),
            w.to_bits()
        );
    }
}

// ---------------------------------------------------------------------------
// Quantization.

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn quantize_u16_matches_reference((vmin, vmax, src) in case_f32(4096)) {
        let mut dst = vec![0xFFFFu16; src.len()];
        quant::quantize_u16(&src, vmin, vmax, &mut dst).unwrap();
        prop_assert_eq!(dst, ref_u16(&src, vmin, vmax));
    }

    #[test]
    fn quantize_u8_matches_reference((vmin, vmax, src) in case_f32(255)) {
        let mut dst = vec![0xFFu8; src.len()];
        quant::quantize_u8(&src, vmin, vmax, &mut dst).unwrap();
        prop_assert_eq!(dst, ref_u8(&src, vmin, vmax));
    }

    #[test]
    fn quantizer_level_matches_reference((vmin, vmax, src) in case_f32(4096)) {
        let q = Quantizer::new(vmin, vmax, 4096);
        for &x in &src {
            prop_assert_eq!(q.level(x), ref_level(x, vmin, vmax, 4096) as u16, "x = {:e}", x);
        }
    }

    /// Resolutions other than the two dtypes', including ones past u16:
    /// `level` saturates at 65535, as the cast in the formula does.
    #[test]
    fn quantizer_level_any_resolution(
        (vmin, vmax, src) in case_f32(4096),
        res in prop_oneof![0u32..70_000, Just(65_535), Just(65_536), Just(1 << 24), Just(u32::MAX)],
    ) {
        let q = Quantizer::new(vmin, vmax, res);
        for &x in &src {
            prop_assert_eq!(q.level(x), ref_level(x, vmin, vmax, res) as u16, "x = {:e}", x);
        }
    }

    #[test]
    fn quantize_f64_matches_reference((vmin, vmax, src) in case_f64(4096)) {
        let as_f32: Vec<f32> = src.iter().map(|&x| x as f32).collect();
        let mut d16 = vec![0xFFFFu16; src.len()];
        quant::quantize_f64_u16(&src, vmin, vmax, &mut d16).unwrap();
        prop_assert_eq!(d16, ref_u16(&as_f32, vmin, vmax));
        let mut d8 = vec![0xFFu8; src.len()];
        quant::quantize_f64_u8(&src, vmin, vmax, &mut d8).unwrap();
        prop_assert_eq!(d8, ref_u8(&as_f32, vmin, vmax));
    }

    #[test]
    fn quantize_complex32_matches_reference(
        (vmin, vmax, src) in case_f32(4096),
        extra in any::<u32>().prop_map(f32::from_bits),
        part in part(),
    ) {
        // An even number of floats: drop or add one.
        let mut src = src;
        if src.len() % 2 == 1 {
            src.push(extra);
        }
        let x = ref_complex32(&src, part);
        let mut d16 = vec![0xFFFFu16; src.len() / 2];
        quant::quantize_complex_u16(&src, part, vmin, vmax, &mut d16).unwrap();
        prop_assert_eq!(d16, ref_u16(&x, vmin, vmax));
        let mut d8 = vec![0xFFu8; src.len() / 2];
        quant::quantize_complex_u8(&src, part, vmin, vmax, &mut d8).unwrap();
        prop_assert_eq!(d8, ref_u8(&x, vmin, vmax));
    }

    /// Every `Samples` kind through the VCBN encoder: the blob is the
    /// reference levels, little-endian.
    #[test]
    fn vcbn_encode_blob_matches_reference(
        (vmin, vmax, src) in finite_case_f32(4096),
        wide in proptest::collection::vec(any::<u64>().prop_map(f64::from_bits), 0..=160),
        part in part(),
        u8_out in any::<bool>(),
    ) {
        let dtype = if u8_out { Dtype::U8 } else { Dtype::U16 };
        let params = Params::new(dtype, vmin, vmax);
        let quantized = |x: &[f32]| -> Vec<u8> {
            if u8_out { ref_u8(x, vmin, vmax) } else { le16(&ref_u16(x, vmin, vmax)) }
        };
        let wide: Vec<f64> = wide[..wide.len() / 2 * 2].to_vec();
        let as_f32: Vec<f32> = wide.iter().map(|&x| x as f32).collect();
        let cases: [(Samples<'_>, Vec<f32>); 4] = [
            (Samples::F32(&src), src.clone()),
            (Samples::F64(&wide), as_f32),
            (Samples::Complex32(&src[..src.len() / 2 * 2], part), ref_complex32(&src[..src.len() / 2 * 2], part)),
            (Samples::Complex64(&wide, part), ref_complex64(&wide, part)),
        ];
        for (samples, x) in cases {
            let shape = Shape::new(1, samples.len() as u64);
            let mut out = vec![0xAAu8; vcbn::encoded_len(shape, &params).unwrap()];
            let n = vcbn::encode(samples, shape, &params, &mut out).unwrap();
            prop_assert_eq!(n, out.len());
            let frame = vcbn::decode(&out).unwrap();
            prop_assert_eq!(frame.blob().as_bytes(), &quantized(&x)[..]);
            // Quantizer::quantize over the same Samples gives the same levels.
            let q = Quantizer::new(vmin, vmax, dtype.resolution());
            if u8_out {
                let mut dst = vec![0xAAu8; samples.len()];
                q.quantize(samples, &mut dst).unwrap();
                prop_assert_eq!(dst, ref_u8(&x, vmin, vmax));
            } else {
                let mut dst = vec![0xAAAAu16; samples.len()];
                q.quantize(samples, &mut dst).unwrap();
                prop_assert_eq!(dst, ref_u16(&x, vmin, vmax));
            }
        }
    }
}

/// Every length from 0 to 80 (every tail after 0..=5 blocks) on a fixed
/// mix of special and edge values, so each tail size is certainly covered.
#[test]
fn every_length_and_offset() {
    let (vmin, vmax) = (-1.5, 2.5);
    let mut pool: Vec<f32> = SPECIAL_F32.to_vec();
    for k in 0..64 {
        for n in -1..=1 {
            pool.push(edge_values(vmin, vmax, 4096, k * 67, n));
            pool.push(edge_values(vmin, vmax, 255, k * 5, n));
        }
    }
    for len in 0..=80 {
        for start in [0, 1, 7, 15] {
            let src: Vec<f32> = pool
                .iter()
                .cycle()
                .skip(start * 13)
                .take(len)
                .copied()
                .collect();
            let mut d16 = vec![0xFFFFu16; len];
            quant::quantize_u16(&src, vmin, vmax, &mut d16).unwrap();
            assert_eq!(d16, ref_u16(&src, vmin, vmax), "len {len} start {start}");
            let mut d8 = vec![0xFFu8; len];
            quant::quantize_u8(&src, vmin, vmax, &mut d8).unwrap();
            assert_eq!(d8, ref_u8(&src, vmin, vmax), "len {len} start {start}");
        }
    }
}

/// Levels at and just past `hi` and 0: `hi` itself, the largest value below
/// each level, and the clip.
#[test]
fn clip_edges() {
    let (vmin, vmax) = (0.0, 1.0);
    let mut src = vec![];
    for k in [0u32, 1, 2, 254, 255, 256, 4095, 4096, 4097] {
        let x = k as f32 / 4096.0;
        src.extend([next_down(x), x, next_up(x)]);
        let x = k as f32 / 255.0;
        src.extend([next_down(x), x, next_up(x)]);
    }
    // f32::MAX * 4096 overflows to +inf: non-finite, so 0, not hi.
    src.extend([1.0, next_up(1.0), 2.0, 1e30, f32::MAX, -1e-45, -0.0]);
    let mut d16 = vec![0u16; src.len()];
    quant::quantize_u16(&src, vmin, vmax, &mut d16).unwrap();
    assert_eq!(d16, ref_u16(&src, vmin, vmax));
    assert_eq!(&d16[d16.len() - 7..], &[4096, 4096, 4096, 4096, 0, 0, 0]);
    let mut d8 = vec![0u8; src.len()];
    quant::quantize_u8(&src, vmin, vmax, &mut d8).unwrap();
    assert_eq!(d8, ref_u8(&src, vmin, vmax));
    assert_eq!(&d8[d8.len() - 7..], &[255, 255, 255, 255, 0, 0, 0]);
}

#[test]
fn length_mismatch_is_an_error() {
    let src = [0.5f32; 17];
    let mut short = [0u16; 16];
    assert!(matches!(
        quant::quantize_u16(&src, 0.0, 1.0, &mut short),
        Err(Error::LengthMismatch { .. })
    ));
    let mut q = [0u16; 8];
    assert!(matches!(
        quant::quantize_complex_u16(&src, ComplexPart::Real, 0.0, 1.0, &mut q),
        Err(Error::LengthMismatch { .. })
    ));
}

// ---------------------------------------------------------------------------
// Dequantization.

fn dequant_range() -> impl Strategy<Value = (f64, f64)> {
    prop_oneof![
        4 => (-1e3f64..1e3, 1e-3f64..1e4).prop_map(|(lo, w)| (lo, lo + w)),
        1 => (-1e3f64..1e3).prop_map(|v| (v, v)),
        1 => Just((-1e300, 1e300)),
        1 => (any::<u64>(), any::<u64>()).prop_map(|(a, b)| (f64::from_bits(a), f64::from_bits(b))),
    ]
}

/// Levels: mostly valid ones, some anywhere in u16 (a decoder accepts them).
fn level() -> impl Strategy<Value = u16> {
    prop_oneof![3 => 0u16..=4096, 1 => any::<u16>()]
}

/// An envelope around `blob`, with a header that says `dtype` and
/// `endianness`, built by hand (the encoder only writes little-endian).
fn envelope(dtype: &str, endian: &str, n: usize, vmin: f64, vmax: f64, blob: &[u8]) -> Vec<u8> {
    let json = format!(
        "{{\"dtype\":\"{dtype}\",\"endianness\":\"{endian}\",\"shape\":[1,{n}],\"vmin\":{vmin:?},\"vmax\":{vmax:?}}}"
    );
    common::vcbn_env(&json, blob)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn dequantize_matches_reference(
        (vmin, vmax) in dequant_range(),
        levels in proptest::collection::vec(level(), 0..=80),
    ) {
        let mut got = vec![f32::NAN; levels.len()];
        quant::dequantize_u16(&levels, vmin, vmax, &mut got).unwrap();
        let want: Vec<f32> = levels.iter().map(|&q| ref_dequant(q, vmin, vmax, 4096)).collect();
        same_f32(&got, &want);

        let small: Vec<u8> = levels.iter().map(|&q| q as u8).collect();
        quant::dequantize_u8(&small, vmin, vmax, &mut got).unwrap();
        let want: Vec<f32> = small.iter().map(|&q| ref_dequant(u16::from(q), vmin, vmax, 255)).collect();
        same_f32(&got, &want);

        let d = Dequantizer::new(vmin, vmax, 1000);
        d.run(&levels, &mut got).unwrap();
        let want: Vec<f32> = levels.iter().map(|&q| ref_dequant(q, vmin, vmax, 1000)).collect();
        same_f32(&got, &want);
    }

    /// `Frame::dequantize_into` and `Blob::copy_to_u16` for every blob kind.
    #[test]
    fn blob_copy_out_and_dequantize_match_reference(
        (vmin, vmax) in (-1e3f64..1e3, 1e-3f64..1e4).prop_map(|(lo, w)| (lo, lo + w)),
        levels in proptest::collection::vec(level(), 0..=80),
        kind in 0u8..3,
    ) {
        let n = levels.len();
        let (dtype, endian, blob, values, res): (_, _, Vec<u8>, Vec<u16>, u32) = match kind {
            0 => {
                let v: Vec<u16> = levels.iter().map(|&q| q & 0xFF).collect();
                ("uint8", "LE", v.iter().map(|&q| q as u8).collect(), v, 255)
            }
            1 => ("uint16", "LE", le16(&levels), levels.clone(), 4096),
            _ => ("uint16", "BE", levels.iter().flat_map(|q| q.to_be_bytes()).collect(), levels.clone(), 4096),
        };
        let bytes = envelope(dtype, endian, n, vmin, vmax, &blob);
        let frame = vcbn::decode(&bytes).unwrap();

        let mut got = vec![0xABCDu16; n];
        frame.blob().copy_to_u16(&mut got).unwrap();
        prop_assert_eq!(&got, &values);
        let endianness = if endian == "BE" { Endianness::Big } else { Endianness::Little };
        let d = if dtype == "uint8" { Dtype::U8 } else { Dtype::U16 };
        let direct = Blob::new(&blob, d, endianness).unwrap();
        direct.copy_to_u16(&mut got).unwrap();
        prop_assert_eq!(&got, &values);
        prop_assert!(direct.iter().eq(values.iter().copied()));

        let mut x = vec![f32::NAN; n];
        frame.dequantize_into(&mut x).unwrap();
        let want: Vec<f32> = values.iter().map(|&q| ref_dequant(q, vmin, vmax, res)).collect();
        same_f32(&x, &want);

        // And back out through `encode_levels`, always little-endian.
        let mut out = vec![0u8; bytes.len() + 256];
        let shape = Shape::new(1, n as u64);
        let m = vcbn::encode_levels(Levels::Blob(frame.blob()), shape, vmin, vmax, &mut out).unwrap();
        let again = vcbn::decode(&out[..m]).unwrap();
        let want_le = if dtype == "uint8" { blob.clone() } else { le16(&values) };
        prop_assert_eq!(again.blob().as_bytes(), &want_le[..]);
        if dtype == "uint16" {
            let m = vcbn::encode_levels(Levels::U16(&values), shape, vmin, vmax, &mut out).unwrap();
            prop_assert_eq!(vcbn::decode(&out[..m]).unwrap().blob().as_bytes(), &want_le[..]);
        }
    }
}

// ---------------------------------------------------------------------------
// SAC copy-in and copy-out.

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn sac_encode_and_copy_out_match_reference(
        a in proptest::collection::vec(any::<i16>(), 0..=80),
        seed in any::<u64>(),
    ) {
        // B of the same length (so a width x height shape can be given).
        let b: Vec<i16> = (0..a.len() as u64)
            .map(|i| (seed.wrapping_mul(i.wrapping_add(1)).rotate_left(17) >> 48) as i16)
            .collect();
        let n = a.len();
        let (w, h) = if n > 0 { (n as u32, 1) } else { (0, 0) };
        let mut out = vec![0x55u8; sac::encoded_len(n, n).unwrap()];
        let shape = Shape::new(u64::from(h), u64::from(w));
        let len = sac::encode(&a, &b, shape, &mut out).unwrap();
        prop_assert_eq!(len, out.len());

        // Per-element reference: the header, then each value's LE bytes.
        let payload: Vec<u8> = a.iter().chain(&b).flat_map(|v| v.to_le_bytes()).collect();
        let want = common::sac_raw(n as u32, n as u32, w, h, &payload);
        prop_assert_eq!(&out, &want);

        let frame = sac::decode(&out).unwrap();
        let mut got = vec![0x1234i16; n];
        frame.copy_a_to(&mut got).unwrap();
        prop_assert_eq!(&got, &a);
        frame.copy_b_to(&mut got).unwrap();
        prop_assert_eq!(&got, &b);
        prop_assert!(frame.a_iter().eq(a.iter().copied()));
        prop_assert!(frame.b_iter().eq(b.iter().copied()));
        // Decoding from an odd address: the views and copies still agree.
        let mut shifted = vec![0u8; out.len() + 1];
        shifted[1..].copy_from_slice(&out);
        let frame = sac::decode(&shifted[1..]).unwrap();
        frame.copy_a_to(&mut got).unwrap();
        prop_assert_eq!(&got, &a);
        if let Some(native) = frame.b_native() {
            prop_assert_eq!(native, &b[..]);
        }
        // Wrong destination lengths are errors, not panics.
        let mut wrong = vec![0i16; n + 1];
        prop_assert!(
            matches!(frame.copy_b_to(&mut wrong), Err(Error::LengthMismatch { .. })),
            "expected LengthMismatch"
        );
    }
}

// ---------------------------------------------------------------------------
// nan_min_max: np.nanmin / np.nanmax

/// The NaN-ignoring minimum and maximum, one comparison at a time.
fn ref_min_max<T: Copy + PartialOrd>(src: &[T]) -> Option<(T, T)> {
    #[allow(clippy::eq_op)] // x == x is false exactly for NaN
    let mut it = src.iter().copied().filter(|x| x == x);
    let first = it.next()?;
    Some(it.fold((first, first), |(lo, hi), x| {
        (if x < lo { x } else { lo }, if x > hi { x } else { hi })
    }))
}

#[test]
fn nan_min_max_edge_cases() {
    use framewire::quant::{nan_min_max, nan_min_max_f64};
    let nan = f32::NAN;
    assert_eq!(nan_min_max(&[]), None);
    assert_eq!(nan_min_max(&[nan]), None);
    assert_eq!(nan_min_max(&[nan, nan, nan]), None);
    assert_eq!(nan_min_max(&[nan, 2.0, nan]), Some((2.0, 2.0)));
    assert_eq!(nan_min_max(&[3.0, nan, -1.0, 7.5]), Some((-1.0, 7.5)));
    assert_eq!(
        nan_min_max(&[f32::INFINITY, nan, f32::INFINITY]),
        Some((f32::INFINITY, f32::INFINITY))
    );
    assert_eq!(
        nan_min_max(&[f32::NEG_INFINITY, 0.5, f32::INFINITY]),
        Some((f32::NEG_INFINITY, f32::INFINITY))
    );
    assert_eq!(
        nan_min_max(&[f32::MIN, f32::MAX]),
        Some((f32::MIN, f32::MAX))
    );
    let tiny = f32::from_bits(1); // the smallest subnormal
    assert_eq!(nan_min_max(&[tiny, -tiny]), Some((-tiny, tiny)));
    // Zeros of either sign compare equal (the sign NumPy keeps depends on its
    // SIMD lanes; see the docs).
    let (lo, hi) = nan_min_max(&[0.0, -0.0, nan]).unwrap();
    assert!(lo == 0.0 && hi == 0.0);
    assert_eq!(
        nan_min_max(&[-0.0]).map(|(l, h)| (l.to_bits(), h.to_bits())),
        Some(((-0.0f32).to_bits(), (-0.0f32).to_bits()))
    );

    assert_eq!(nan_min_max_f64(&[]), None);
    assert_eq!(nan_min_max_f64(&[f64::NAN]), None);
    assert_eq!(
        nan_min_max_f64(&[f64::NAN, -1e300, 1e-300]),
        Some((-1e300, 1e-300))
    );
    assert_eq!(
        nan_min_max_f64(&[f64::NEG_INFINITY, f64::NAN]),
        Some((f64::NEG_INFINITY, f64::NEG_INFINITY))
    );
}

proptest! {
    /// Against the one-comparison-at-a-time reference, on random bit
    /// patterns (NaN payloads, subnormals, infinities), at every length.
    #[test]
    fn nan_min_max_matches_the_reference(
        bits in prop::collection::vec(any::<u32>(), 0..200),
        bits64 in prop::collection::vec(any::<u64>(), 0..200),
    ) {
        let x: Vec<f32> = bits.iter().map(|&b| f32::from_bits(b)).collect();
        let got = framewire::quant::nan_min_max(&x);
        prop_assert_eq!(got, ref_min_max(&x));
        let y: Vec<f64> = bits64.iter().map(|&b| f64::from_bits(b)).collect();
        prop_assert_eq!(framewire::quant::nan_min_max_f64(&y), ref_min_max(&y));
    }
}
