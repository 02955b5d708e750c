//! VCBN envelope encode, decode-to-view and dequantize against their
//! baselines, measured in the same run, at 64×64, 1024×1024 and 4096×4096.
//!
//! - `vcbn_encode_u16`: `vcbn::encode` of f32 samples to a `uint16`
//!   envelope vs `memcpy_input` (the f32 input bytes) vs `naive_iter` (the
//!   header, then the docs/FORMATS.md §4 formula per sample with `to_le_bytes`);
//! - `vcbn_decode_view`: `vcbn::decode` (prefix, JSON header, a view of the
//!   blob, no copy: constant time whatever the size) vs `memcpy_payload`;
//! - `vcbn_dequantize`: `Frame::dequantize_into` vs `memcpy_payload` (the
//!   blob bytes) vs `naive_iter` (the blob's level iterator, one
//!   `Dequantizer::value` per level).
//!
//! Every group reports `Throughput::Bytes`: of the input for encoding, of the
//! blob for decoding.
//!
//! Run: `cargo bench --bench vcbn` (or `bash benches/run.sh` for the table).

mod common;

use std::hint::black_box;

use common::{configure, filled, label, samples_f32, SIZES, VMAX, VMIN};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use framewire::quant::{Samples, RESOLUTION_U16};
use framewire::vcbn::{self, Dtype, Params};
use framewire::Shape;
use zerocopy::IntoBytes;

fn envelope(side: usize, src: &[f32]) -> Vec<u8> {
    let p = Params::new(Dtype::U16, VMIN, VMAX);
    let shape = Shape::new(side as u64, side as u64);
    let mut out = filled(vcbn::encoded_len(shape, &p).unwrap(), 1u8);
    vcbn::encode(Samples::F32(src), shape, &p, &mut out).unwrap();
    out
}

fn bench_encode(c: &mut Criterion) {
    let mut g = c.benchmark_group("vcbn_encode_u16");
    let p = Params::new(Dtype::U16, VMIN, VMAX);
    for side in SIZES {
        let n = side * side;
        let src = samples_f32(n, 21);
        let mut out = envelope(side, &src);
        let mut copy = filled(4 * n, 1u8);
        let shape = Shape::new(side as u64, side as u64);
        let scale = (f64::from(RESOLUTION_U16) / (VMAX - VMIN)) as f32;
        configure(&mut g, side);
        g.throughput(Throughput::Bytes((4 * n) as u64));
        g.bench_function(BenchmarkId::new("framewire", label(side)), |b| {
            b.iter(|| vcbn::encode(Samples::F32(black_box(&src)), shape, &p, &mut out).unwrap())
        });
        g.bench_function(BenchmarkId::new("memcpy_input", label(side)), |b| {
            b.iter(|| {
                copy.copy_from_slice(black_box(src.as_bytes()));
                black_box(&mut copy);
            })
        });
        g.bench_function(BenchmarkId::new("naive_iter", label(side)), |b| {
            b.iter(|| {
                let head = vcbn::Encoder::new(shape, p)
                    .and_then(|e| e.write_header(&mut out))
                    .unwrap();
                for (d, &x) in out[head..].chunks_exact_mut(2).zip(black_box(&src)) {
                    let v = (x - VMIN as f32) * scale;
                    let q = if v.is_finite() {
                        v.clamp(0.0, 4096.0) as u16
                    } else {
                        0
                    };
                    d.copy_from_slice(&q.to_le_bytes());
                }
                black_box(&mut out);
            })
        });
    }
    g.finish();
}

fn bench_decode_view(c: &mut Criterion) {
    let mut g = c.benchmark_group("vcbn_decode_view");
    for side in SIZES {
        let n = side * side;
        let bytes = envelope(side, &samples_f32(n, 22));
        let blob = vcbn::decode(&bytes).unwrap().blob().as_bytes().to_vec();
        let mut copy = filled(blob.len(), 1u8);
        configure(&mut g, side);
        g.throughput(Throughput::Bytes(blob.len() as u64));
        g.bench_function(BenchmarkId::new("framewire", label(side)), |b| {
            b.iter(|| black_box(vcbn::decode(black_box(&bytes)).unwrap()))
        });
        g.bench_function(BenchmarkId::new("memcpy_payload", label(side)), |b| {
            b.iter(|| {
                copy.copy_from_slice(black_box(&blob));
                black_box(&mut copy);
            })
        });
    }
    g.finish();
}

fn bench_dequantize(c: &mut Criterion) {
    let mut g = c.benchmark_group("vcbn_dequantize");
    for side in SIZES {
        let n = side * side;
        let bytes = envelope(side, &samples_f32(n, 23));
        let frame = vcbn::decode(&bytes).unwrap();
        let blob = frame.blob().as_bytes().to_vec();
        let mut dst = filled(n, 1.0f32);
        let mut copy = filled(blob.len(), 1u8);
        configure(&mut g, side);
        g.throughput(Throughput::Bytes(blob.len() as u64));
        g.bench_function(BenchmarkId::new("framewire", label(side)), |b| {
            b.iter(|| black_box(&frame).dequantize_into(&mut dst).unwrap())
        });
        g.bench_function(BenchmarkId::new("memcpy_payload", label(side)), |b| {
            b.iter(|| {
                copy.copy_from_slice(black_box(&blob));
                black_box(&mut copy);
            })
        });
        g.bench_function(BenchmarkId::new("naive_iter", label(side)), |b| {
            b.iter(|| {
                let f = black_box(&frame);
                let d = f.header().dequantizer();
                for (o, q) in dst.iter_mut().zip(f.blob().iter()) {
                    *o = d.value(q);
                }
                black_box(&mut dst);
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench_encode, bench_decode_view, bench_dequantize);
criterion_main!(benches);
