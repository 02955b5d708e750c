//! Quantization kernels against their baselines, measured in the same run.
//!
//! Each group times, at 64×64, 1024×1024 and 4096×4096:
//! - `framewire`: the library kernel;
//! - `memcpy_input`: a memcpy of the kernel's input bytes (the speed of
//!   reading the input once and writing as many bytes back);
//! - `naive_iter`: the docs/FORMATS.md §4 formula as a plain iterator loop, with the
//!   usual `clamp` and saturating `as` cast.
//!
//! Every group reports `Throughput::Bytes` of the kernel's input.
//!
//! Run: `cargo bench --bench quant` (or `bash benches/run.sh` for the table).

mod common;

use std::hint::black_box;

use common::{configure, filled, label, samples_f32, samples_f64, SIZES, VMAX, VMIN};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use framewire::quant::{self, ComplexPart};
use zerocopy::IntoBytes;

/// The docs/FORMATS.md §4 constants, as a straightforward implementation computes them.
fn spec_constants(resolution: u32) -> (f32, f32, f32) {
    let denom = VMAX - VMIN;
    let scale = (f64::from(resolution) / denom) as f32;
    (VMIN as f32, scale, resolution as f32)
}

/// The docs/FORMATS.md §4 formula for one sample, written plainly.
#[inline(always)]
fn naive_level(x: f32, (offset, scale, hi): (f32, f32, f32)) -> f32 {
    let v = (x - offset) * scale;
    if v.is_finite() {
        v.clamp(0.0, hi)
    } else {
        0.0
    }
}

fn memcpy(dst: &mut [u8], src: &[u8]) {
    dst.copy_from_slice(black_box(src));
    black_box(dst);
}

fn bench_quantize_u16(c: &mut Criterion) {
    let mut g = c.benchmark_group("quantize_u16");
    for side in SIZES {
        let n = side * side;
        let src = samples_f32(n, 1);
        let mut dst = filled(n, 1u16);
        let mut copy = filled(n * 4, 1u8);
        let k = spec_constants(quant::RESOLUTION_U16);
        configure(&mut g, side);
        g.throughput(Throughput::Bytes((n * 4) as u64));
        g.bench_function(BenchmarkId::new("framewire", label(side)), |b| {
            b.iter(|| quant::quantize_u16(black_box(&src), VMIN, VMAX, &mut dst).unwrap())
        });
        g.bench_function(BenchmarkId::new("memcpy_input", label(side)), |b| {
            b.iter(|| memcpy(&mut copy, src.as_bytes()))
        });
        g.bench_function(BenchmarkId::new("naive_iter", label(side)), |b| {
            b.iter(|| {
                black_box(&src)
                    .iter()
                    .zip(dst.iter_mut())
                    .for_each(|(&x, d)| *d = naive_level(x, k) as u16)
            })
        });
    }
    g.finish();
}

fn bench_quantize_u8(c: &mut Criterion) {
    let mut g = c.benchmark_group("quantize_u8");
    for side in SIZES {
        let n = side * side;
        let src = samples_f32(n, 2);
        let mut dst = filled(n, 1u8);
        let mut copy = filled(n * 4, 1u8);
        let k = spec_constants(quant::RESOLUTION_U8);
        configure(&mut g, side);
        g.throughput(Throughput::Bytes((n * 4) as u64));
        g.bench_function(BenchmarkId::new("framewire", label(side)), |b| {
            b.iter(|| quant::quantize_u8(black_box(&src), VMIN, VMAX, &mut dst).unwrap())
        });
        g.bench_function(BenchmarkId::new("memcpy_input", label(side)), |b| {
            b.iter(|| memcpy(&mut copy, src.as_bytes()))
        });
        g.bench_function(BenchmarkId::new("naive_iter", label(side)), |b| {
            b.iter(|| {
                black_box(&src)
                    .iter()
                    .zip(dst.iter_mut())
                    .for_each(|(&x, d)| *d = naive_level(x, k) as u8)
            })
        });
    }
    g.finish();
}

fn bench_quantize_f64_u16(c: &mut Criterion) {
    let mut g = c.benchmark_group("quantize_f64_u16");
    for side in SIZES {
        let n = side * side;
        let src = samples_f64(n, 3);
        let mut dst = filled(n, 1u16);
        let mut copy = filled(n * 8, 1u8);
        let k = spec_constants(quant::RESOLUTION_U16);
        configure(&mut g, side);
        g.throughput(Throughput::Bytes((n * 8) as u64));
        g.bench_function(BenchmarkId::new("framewire", label(side)), |b| {
            b.iter(|| quant::quantize_f64_u16(black_box(&src), VMIN, VMAX, &mut dst).unwrap())
        });
        g.bench_function(BenchmarkId::new("memcpy_input", label(side)), |b| {
            b.iter(|| memcpy(&mut copy, src.as_bytes()))
        });
        g.bench_function(BenchmarkId::new("naive_iter", label(side)), |b| {
            b.iter(|| {
                black_box(&src)
                    .iter()
                    .zip(dst.iter_mut())
                    .for_each(|(&x, d)| *d = naive_level(x as f32, k) as u16)
            })
        });
    }
    g.finish();
}

fn bench_quantize_complex_u16(c: &mut Criterion) {
    let mut g = c.benchmark_group("quantize_complex_u16");
    for side in SIZES {
        let n = side * side;
        // Interleaved (re, im) pairs: 2n floats.
        let src = samples_f32(2 * n, 4);
        let mut dst = filled(n, 1u16);
        let mut copy = filled(n * 8, 1u8);
        let k = spec_constants(quant::RESOLUTION_U16);
        configure(&mut g, side);
        g.throughput(Throughput::Bytes((n * 8) as u64));
        g.bench_function(BenchmarkId::new("framewire", label(side)), |b| {
            b.iter(|| {
                quant::quantize_complex_u16(
                    black_box(&src),
                    ComplexPart::Real,
                    VMIN,
                    VMAX,
                    &mut dst,
                )
                .unwrap()
            })
        });
        g.bench_function(BenchmarkId::new("memcpy_input", label(side)), |b| {
            b.iter(|| memcpy(&mut copy, src.as_bytes()))
        });
        g.bench_function(BenchmarkId::new("naive_iter", label(side)), |b| {
            b.iter(|| {
                black_box(&src)
                    .chunks_exact(2)
                    .zip(dst.iter_mut())
                    .for_each(|(p, d)| *d = naive_level(p[0], k) as u16)
            })
        });
        if side == 4096 {
            g.bench_function(BenchmarkId::new("framewire_magnitude", label(side)), |b| {
                b.iter(|| {
                    quant::quantize_complex_u16(
                        black_box(&src),
                        ComplexPart::Magnitude,
                        VMIN,
                        VMAX,
                        &mut dst,
                    )
                    .unwrap()
                })
            });
        }
    }
    g.finish();
}

fn bench_dequantize_u16(c: &mut Criterion) {
    let mut g = c.benchmark_group("dequantize_u16");
    for side in SIZES {
        let n = side * side;
        let x = samples_f32(n, 5);
        let mut src = filled(n, 1u16);
        quant::quantize_u16(&x, VMIN, VMAX, &mut src).unwrap();
        let mut dst = filled(n, 1.0f32);
        let mut copy = filled(n * 2, 1u8);
        let step = (VMAX - VMIN) / f64::from(quant::RESOLUTION_U16);
        configure(&mut g, side);
        g.throughput(Throughput::Bytes((n * 2) as u64));
        g.bench_function(BenchmarkId::new("framewire", label(side)), |b| {
            b.iter(|| quant::dequantize_u16(black_box(&src), VMIN, VMAX, &mut dst).unwrap())
        });
        g.bench_function(BenchmarkId::new("memcpy_input", label(side)), |b| {
            b.iter(|| memcpy(&mut copy, src.as_bytes()))
        });
        g.bench_function(BenchmarkId::new("naive_iter", label(side)), |b| {
            b.iter(|| {
                black_box(&src)
                    .iter()
                    .zip(dst.iter_mut())
                    .for_each(|(&q, d)| *d = (VMIN + f64::from(q) * step) as f32)
            })
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    bench_quantize_u16,
    bench_quantize_u8,
    bench_quantize_f64_u16,
    bench_quantize_complex_u16,
    bench_dequantize_u16
);
criterion_main!(benches);
