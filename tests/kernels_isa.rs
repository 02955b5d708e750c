//! Every kernel family this build has and this CPU runs (portable, SSE2,
//! AVX2, AVX-512; see `framewire::quant::Isa`) against a scalar reference
//! written straight from docs/FORMATS.md §4: random bit patterns, NaN
//! payloads, ±inf, ±0, subnormals, every level edge ± a few ulps, every tail
//! length of every block width (16 and 32 samples, and the 256-sample
//! staging buffer of f64 and complex input), misaligned input slices and
//! misaligned (odd-address) output.
//!
//! `tests/kernels.rs` checks the public functions (the dispatched kernel);
//! this file checks each family by name. The exhaustive run over all 2^32
//! f32 inputs is `#[ignore]`d:
//!
//! ```text
//! cargo test --release --features avx512 --test kernels_isa -- --ignored --nocapture
//! ```

use framewire::quant::{ComplexPart, Dequantizer, Isa, Quantizer, Samples};
use proptest::prelude::*;
use zerocopy::byteorder::little_endian::U16 as U16Le;
use zerocopy::FromBytes;

/// The families to test: every one this build and CPU have. The test
/// output names them, so a run on a machine without AVX-512 says so.
fn isas() -> Vec<Isa> {
    let v: Vec<Isa> = Isa::ALL.into_iter().filter(|i| i.available()).collect();
    eprintln!("kernel families tested: {v:?}");
    v
}

/// `Isa::available` says what this build and CPU have (so that the tests
/// below cannot pass on an empty list), and `Isa::best` is the fastest of
/// those.
#[test]
fn available_families_match_the_build_and_cpu() {
    assert!(
        Isa::Portable.available(),
        "the portable kernel is always there"
    );
    assert_eq!(Isa::Sse2.available(), cfg!(target_arch = "x86_64"));
    #[cfg(target_arch = "x86_64")]
    {
        macro_rules! detected {
            ($($f:tt),*) => { true $(&& std::is_x86_feature_detected!($f))* };
        }
        // x86-64-v3 and -v4 as `pulp` defines them. AVX2 needs the `std`
        // feature (run-time detection), AVX-512 the `avx512` feature; with
        // them, the CPU decides.
        let v3 = detected!(
            "sse3", "ssse3", "sse4.1", "sse4.2", "popcnt", "avx", "avx2", "bmi1", "bmi2", "fma",
            "lzcnt"
        );
        let v4 = v3 && detected!("avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl");
        assert_eq!(
            Isa::Avx2.available(),
            cfg!(feature = "std") && v3,
            "AVX2 (x86-64-v3)"
        );
        assert_eq!(
            Isa::Avx512.available(),
            cfg!(feature = "avx512") && v4,
            "AVX-512 (x86-64-v4)"
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        assert!(!Isa::Avx2.available() && !Isa::Avx512.available());
    }
    let best = Isa::ALL.into_iter().rfind(|i| i.available());
    assert_eq!(Some(Isa::best()), best);
}

/// docs/FORMATS.md §4 for one sample, cast as the formula's `astype` does
/// (saturating at the type's maximum).
fn ref_level(x: f32, vmin: f64, vmax: f64, res: u32) -> f32 {
    let denom = vmax - vmin;
    if !denom.is_finite() || denom <= 0.0 {
        return 0.0;
    }
    let scale = (f64::from(res) / denom) as f32;
    let v = (x - vmin as f32) * scale;
    if !v.is_finite() {
        return 0.0;
    }
    let hi = res as f32;
    let v = if v < 0.0 {
        0.0
    } else if v > hi {
        hi
    } else {
        v
    };
    v.trunc()
}

fn ref_u16(src: &[f32], vmin: f64, vmax: f64, res: u32) -> Vec<u16> {
    src.iter()
        .map(|&x| ref_level(x, vmin, vmax, res) as u16)
        .collect()
}

fn ref_u8(src: &[f32], vmin: f64, vmax: f64, res: u32) -> Vec<u8> {
    src.iter()
        .map(|&x| ref_level(x, vmin, vmax, res) as u8)
        .collect()
}

fn next_up(x: f32, n: u32) -> f32 {
    let mut x = x;
    for _ in 0..n {
        x = if x.is_nan() || x == f32::INFINITY {
            x
        } else if x == 0.0 {
            f32::from_bits(1)
        } else if x > 0.0 {
            f32::from_bits(x.to_bits() + 1)
        } else {
            f32::from_bits(x.to_bits() - 1)
        };
    }
    x
}

fn next_down(x: f32, n: u32) -> f32 {
    -next_up(-x, n)
}

/// Inputs that land on level `k` of `vmin..vmax` (up to rounding), nudged by
/// `-3..=3` ulps.
fn edge(vmin: f64, vmax: f64, res: u32, k: u32, nudge: i32) -> f32 {
    let step = (vmax - vmin) / f64::from(res);
    let x = (vmin + f64::from(k) * step) as f32;
    if nudge < 0 {
        next_down(x, nudge.unsigned_abs())
    } else {
        next_up(x, nudge as u32)
    }
}

fn sample(vmin: f64, vmax: f64, res: u32) -> impl Strategy<Value = f32> {
    prop_oneof![
        3 => any::<u32>().prop_map(f32::from_bits),
        1 => (any::<bool>(), 1u32..0x80_0000)
            .prop_map(|(s, p)| f32::from_bits(if s { 0xFF80_0000 } else { 0x7F80_0000 } | p)),
        1 => (any::<bool>(), 1u32..0x80_0000)
            .prop_map(|(s, m)| f32::from_bits(if s { 0x8000_0000 } else { 0 } | m)),
        1 => proptest::sample::select(vec![
            0.0f32, -0.0, f32::INFINITY, f32::NEG_INFINITY, f32::NAN, -f32::NAN,
            f32::MIN_POSITIVE, f32::MAX, f32::MIN, 1e-45, -1e-45,
        ]),
        3 => (0.0f64..1.0).prop_map(move |t| (vmin + t * (vmax - vmin)) as f32),
        4 => (0..=res, -3i32..=3).prop_map(move |(k, n)| edge(vmin, vmax, res, k, n)),
    ]
}

/// Ranges: ordinary, integer, empty or reversed, tiny (scale overflows),
/// huge, non-finite, and any bits.
fn range() -> impl Strategy<Value = (f64, f64)> {
    prop_oneof![
        4 => (-1e3f64..1e3, 1e-3f64..1e4).prop_map(|(lo, w)| (lo, lo + w)),
        2 => (-8i32..8, 1i32..16).prop_map(|(lo, w)| (f64::from(lo), f64::from(lo + w))),
        1 => (-1e3f64..1e3).prop_map(|v| (v, v)),
        1 => (-1.0f64..1.0, prop_oneof![Just(1e-30), Just(1e-40), Just(5e-324)])
            .prop_map(|(lo, w)| (lo, lo + w)),
        1 => prop_oneof![Just((-3e38, 3e38)), Just((0.0, 1e39)), Just((0.0, f64::INFINITY)),
                         Just((f64::NAN, 1.0))],
        1 => (any::<u64>(), any::<u64>()).prop_map(|(a, b)| (f64::from_bits(a), f64::from_bits(b))),
    ]
}

/// Resolutions: the two dtypes', and others on both sides of 32767 (the
/// explicit kernels narrow those two ways) and past 65535 (saturating).
fn resolution() -> impl Strategy<Value = u32> {
    prop_oneof![
        3 => Just(4096u32),
        3 => Just(255u32),
        1 => 1u32..70_000,
        1 => proptest::sample::select(vec![32_767u32, 32_768, 65_535, 65_536, 1 << 24]),
    ]
}

/// A range, a resolution, up to 600 samples (over two staging buffers) and
/// an offset into them (a misaligned start).
fn case() -> impl Strategy<Value = (f64, f64, u32, Vec<f32>, usize)> {
    (range(), resolution()).prop_flat_map(|((vmin, vmax), res)| {
        (
            Just(vmin),
            Just(vmax),
            Just(res),
            proptest::collection::vec(sample(vmin, vmax, res), 0..=600),
            0usize..4,
        )
    })
}

/// Runs `q` on every family into u16, little-endian u16 at an odd address,
/// and u8 (for resolutions that fit), and compares with `want` (levels of
/// the samples as f32).
fn check_all(
    q: &Quantizer,
    samples: Samples<'_>,
    x: &[f32],
    vmin: f64,
    vmax: f64,
    res: u32,
) -> Result<(), TestCaseError> {
    let want16 = ref_u16(x, vmin, vmax, res);
    let want8 = ref_u8(x, vmin, vmax, res.min(255));
    let q8 = Quantizer::new(vmin, vmax, res.min(255));
    for isa in Isa::ALL.into_iter().filter(|i| i.available()) {
        let mut d16 = vec![0xAAAAu16; x.len()];
        q.quantize_with(isa, samples, &mut d16).unwrap();
        prop_assert_eq!(&d16, &want16, "{:?} u16", isa);
        // U16<LE> output at an odd address.
        let mut buf = vec![0xAAu8; 2 * x.len() + 1];
        let le = <[U16Le]>::mut_from_bytes(&mut buf[1..]).unwrap();
        q.quantize_with(isa, samples, le).unwrap();
        let got: Vec<u16> = le.iter().map(|v| v.get()).collect();
        prop_assert_eq!(&got, &want16, "{:?} U16<LE> at an odd address", isa);
        let mut d8 = vec![0xAAu8; x.len()];
        q8.quantize_with(isa, samples, &mut d8).unwrap();
        prop_assert_eq!(&d8, &want8, "{:?} u8", isa);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(384))]

    #[test]
    fn f32_every_family((vmin, vmax, res, src, off) in case()) {
        let x = &src[off.min(src.len())..];
        check_all(&Quantizer::new(vmin, vmax, res), Samples::F32(x), x, vmin, vmax, res)?;
    }

    #[test]
    fn f64_every_family((vmin, vmax, res, src, off) in case(), wiggle in any::<u64>()) {
        // f64 neighbours of the f32 samples (rounding to f32 goes both
        // ways), and some random f64 bits.
        let wide: Vec<f64> = src.iter().enumerate().map(|(i, &x)| {
            let d = f64::from(x);
            match (wiggle.rotate_left(i as u32) & 7, d.is_finite()) {
                (0, _) => f64::from_bits(wiggle.wrapping_mul(i as u64 + 1)),
                (1..=3, true) => f64::from_bits(d.to_bits().wrapping_add(1 << 28)),
                (4..=5, true) => f64::from_bits(d.to_bits().wrapping_sub(1 << 28)),
                _ => d,
            }
        }).collect();
        let w = &wide[off.min(wide.len())..];
        let x: Vec<f32> = w.iter().map(|&d| d as f32).collect();
        check_all(&Quantizer::new(vmin, vmax, res), Samples::F64(w), &x, vmin, vmax, res)?;
    }

    #[test]
    fn complex_every_family((vmin, vmax, res, src, off) in case(), mag in any::<bool>()) {
        let part = if mag { ComplexPart::Magnitude } else { ComplexPart::Real };
        let s = &src[off.min(src.len())..];
        let s = &s[..s.len() / 2 * 2];
        let x: Vec<f32> = s.chunks_exact(2).map(|p| match part {
            ComplexPart::Real => p[0],
            ComplexPart::Magnitude => {
                let (re, im) = (f64::from(p[0]), f64::from(p[1]));
                (re * re + im * im).sqrt() as f32
            }
        }).collect();
        let q = Quantizer::new(vmin, vmax, res);
        check_all(&q, Samples::Complex32(s, part), &x, vmin, vmax, res)?;
        let w: Vec<f64> = s.iter().map(|&v| f64::from(v) * 1.000_000_1).collect();
        let x: Vec<f32> = w.chunks_exact(2).map(|p| match part {
            ComplexPart::Real => p[0] as f32,
            ComplexPart::Magnitude => libm::hypot(p[0], p[1]) as f32,
        }).collect();
        check_all(&q, Samples::Complex64(&w, part), &x, vmin, vmax, res)?;
    }

    #[test]
    fn dequantize_every_family(
        (vmin, vmax) in range(),
        res in prop_oneof![Just(4096u32), Just(255), 0u32..70_000],
        levels in proptest::collection::vec(any::<u16>(), 0..=100),
        off in 0usize..4,
    ) {
        let levels = &levels[off.min(levels.len())..];
        let d = Dequantizer::new(vmin, vmax, res);
        let step = if res == 0 { f64::NAN } else { (vmax - vmin) / f64::from(res) };
        let want: Vec<u32> = levels.iter()
            .map(|&q| ((vmin + f64::from(q) * step) as f32).to_bits()).collect();
        let small: Vec<u8> = levels.iter().map(|&q| q as u8).collect();
        let want8: Vec<u32> = small.iter()
            .map(|&q| ((vmin + f64::from(q) * step) as f32).to_bits()).collect();
        for isa in Isa::ALL.into_iter().filter(|i| i.available()) {
            let mut out = vec![0.5f32; levels.len()];
            d.run_with(isa, levels, &mut out).unwrap();
            let got: Vec<u32> = out.iter().map(|v| v.to_bits()).collect();
            // NaN bits may differ (a NaN range): compare NaN as NaN.
            for (g, w) in got.iter().zip(&want) {
                prop_assert!(g == w || (f32::from_bits(*g).is_nan() && f32::from_bits(*w).is_nan()),
                    "{:?}: {:#x} vs {:#x}", isa, g, w);
            }
            let le: Vec<U16Le> = levels.iter().map(|&q| U16Le::new(q)).collect();
            let mut out2 = vec![0.5f32; levels.len()];
            d.run_with(isa, &le, &mut out2).unwrap();
            prop_assert_eq!(out.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                out2.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
            let mut out8 = vec![0.5f32; small.len()];
            d.run_with(isa, &small, &mut out8).unwrap();
            for (g, w) in out8.iter().map(|v| v.to_bits()).zip(&want8) {
                prop_assert!(g == *w || (f32::from_bits(g).is_nan() && f32::from_bits(*w).is_nan()));
            }
        }
    }
}

/// Every length 0..=100 (every tail of the 16- and 32-sample blocks, after
/// 0..=3 blocks) and 250..=270 and 505..=520 (the staging buffer's edge), at
/// four start offsets, on a pool of edge and special values.
#[test]
fn every_tail_length_every_family() {
    isas();
    let (vmin, vmax) = (-1.5, 2.5);
    let mut pool = vec![
        0.0f32,
        -0.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        1e-45,
        f32::MAX,
    ];
    for k in 0..80 {
        for n in -3..=3 {
            pool.push(edge(vmin, vmax, 4096, k * 53, n));
            pool.push(edge(vmin, vmax, 255, k * 3, n));
        }
    }
    let lens = (0..=100).chain(250..=270).chain(505..=520);
    for len in lens {
        for start in [0usize, 1, 2, 3] {
            let src: Vec<f32> = pool
                .iter()
                .cycle()
                .skip(start * 17)
                .take(len + start)
                .copied()
                .collect();
            let x = &src[start..];
            let wide: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
            for (res, q) in [4096u32, 255, 50_000].map(|r| (r, Quantizer::new(vmin, vmax, r))) {
                check_all(&q, Samples::F32(x), x, vmin, vmax, res).unwrap();
                check_all(&q, Samples::F64(&wide), x, vmin, vmax, res).unwrap();
            }
        }
    }
}

/// All 2^32 f32 bit patterns through every family, for four ranges and both
/// dtypes. Takes a few minutes in release mode; see the module docs for the
/// command.
#[test]
#[ignore = "exhaustive over all 2^32 f32 inputs; run with --release -- --ignored"]
fn exhaustive_all_f32_inputs() {
    let fams = isas();
    let ranges = [
        (0.0, 1.0),
        (-1.0, 3.0),
        (-1000.0, 1000.0),
        (1e-3, 1e-3 + 1e-6),
    ];
    const CHUNK: u32 = 1 << 20;
    let mut x = vec![0f32; CHUNK as usize];
    let mut got16 = vec![0u16; CHUNK as usize];
    let mut got8 = vec![0u8; CHUNK as usize];
    for (vmin, vmax) in ranges {
        let q16 = Quantizer::new(vmin, vmax, 4096);
        let q8 = Quantizer::new(vmin, vmax, 255);
        let t = std::time::Instant::now();
        for hi in 0..(1u32 << 12) {
            for (i, v) in x.iter_mut().enumerate() {
                *v = f32::from_bits(hi * CHUNK + i as u32);
            }
            let want16 = ref_u16(&x, vmin, vmax, 4096);
            let want8 = ref_u8(&x, vmin, vmax, 255);
            for &isa in &fams {
                q16.quantize_with(isa, Samples::F32(&x), &mut got16)
                    .unwrap();
                q8.quantize_with(isa, Samples::F32(&x), &mut got8).unwrap();
                if got16 != want16 || got8 != want8 {
                    let i = (0..x.len())
                        .find(|&i| got16[i] != want16[i] || got8[i] != want8[i])
                        .unwrap();
                    panic!(
                        "{isa:?} range {vmin}..{vmax}: x = {:e} ({:#x})",
                        x[i],
                        x[i].to_bits()
                    );
                }
            }
        }
        eprintln!(
            "range {vmin}..{vmax}: all 2^32 inputs equal for {fams:?} ({:.0?})",
            t.elapsed()
        );
    }
}
