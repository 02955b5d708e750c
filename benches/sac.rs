//! SAC v1 encode, decode-to-view and copy-out against a memcpy of the
//! payload, measured in the same run, at 64×64, 1024×1024 and 4096×4096
//! (two int16 arrays of that many elements each).
//!
//! - `sac_encode`: `sac::encode` vs `memcpy_payload` (the payload bytes copied
//!   into an output buffer) vs `naive_iter` (each value's `to_le_bytes`);
//! - `sac_decode_view`: `sac::decode` (header checks, two slice views, no
//!   copy: constant time whatever the size) vs `memcpy_payload`;
//! - `sac_copy_out`: `Frame::copy_a_to` + `copy_b_to` vs `memcpy_payload` vs
//!   `naive_iter` (`a_iter()` into the destination).
//!
//! Every group reports `Throughput::Bytes` of the payload.
//!
//! Run: `cargo bench --bench sac` (or `bash benches/run.sh` for the table).

mod common;

use std::hint::black_box;

use common::{configure, filled, label, samples_i16, SIZES};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use framewire::{sac, Shape};

/// The two arrays and their encoded file.
fn frame(side: usize) -> (Vec<i16>, Vec<i16>, Vec<u8>) {
    let n = side * side;
    let (a, b) = (samples_i16(n, 11), samples_i16(n, 12));
    let mut out = filled(sac::encoded_len(n, n).unwrap(), 1u8);
    sac::encode(&a, &b, Shape::new(side as u64, side as u64), &mut out).unwrap();
    (a, b, out)
}

fn bench_encode(c: &mut Criterion) {
    let mut g = c.benchmark_group("sac_encode");
    for side in SIZES {
        let n = side * side;
        let (a, b, file) = frame(side);
        let mut out = filled(file.len(), 1u8);
        let mut copy = filled(4 * n, 1u8);
        let payload = &file[sac::HEADER_LEN..];
        configure(&mut g, side);
        g.throughput(Throughput::Bytes((4 * n) as u64));
        g.bench_function(BenchmarkId::new("framewire", label(side)), |bch| {
            bch.iter(|| {
                sac::encode(
                    black_box(&a),
                    black_box(&b),
                    Shape::new(side as u64, side as u64),
                    &mut out,
                )
                .unwrap()
            })
        });
        g.bench_function(BenchmarkId::new("memcpy_payload", label(side)), |bch| {
            bch.iter(|| {
                copy.copy_from_slice(black_box(payload));
                black_box(&mut copy);
            })
        });
        g.bench_function(BenchmarkId::new("naive_iter", label(side)), |bch| {
            bch.iter(|| {
                let (head, rest) = out.split_at_mut(sac::HEADER_LEN);
                head.copy_from_slice(&file[..sac::HEADER_LEN]);
                let values = black_box(&a).iter().chain(black_box(&b).iter());
                for (d, v) in rest.chunks_exact_mut(2).zip(values) {
                    d.copy_from_slice(&v.to_le_bytes());
                }
                black_box(&mut out);
            })
        });
    }
    g.finish();
}

fn bench_decode_view(c: &mut Criterion) {
    let mut g = c.benchmark_group("sac_decode_view");
    for side in SIZES {
        let n = side * side;
        let (_, _, file) = frame(side);
        let mut copy = filled(4 * n, 1u8);
        configure(&mut g, side);
        g.throughput(Throughput::Bytes((4 * n) as u64));
        g.bench_function(BenchmarkId::new("framewire", label(side)), |bch| {
            bch.iter(|| black_box(sac::decode(black_box(&file)).unwrap()))
        });
        g.bench_function(BenchmarkId::new("memcpy_payload", label(side)), |bch| {
            bch.iter(|| {
                copy.copy_from_slice(black_box(&file[sac::HEADER_LEN..]));
                black_box(&mut copy);
            })
        });
    }
    g.finish();
}

fn bench_copy_out(c: &mut Criterion) {
    let mut g = c.benchmark_group("sac_copy_out");
    for side in SIZES {
        let n = side * side;
        let (want_a, want_b, file) = frame(side);
        let frame = sac::decode(&file).unwrap();
        let (mut a, mut b) = (filled(n, 1i16), filled(n, 1i16));
        frame.copy_a_to(&mut a).unwrap();
        frame.copy_b_to(&mut b).unwrap();
        assert!(a == want_a && b == want_b);
        let mut copy = filled(4 * n, 1u8);
        configure(&mut g, side);
        g.throughput(Throughput::Bytes((4 * n) as u64));
        g.bench_function(BenchmarkId::new("framewire", label(side)), |bch| {
            bch.iter(|| {
                let f = black_box(&frame);
                f.copy_a_to(&mut a).unwrap();
                f.copy_b_to(&mut b).unwrap();
            })
        });
        g.bench_function(BenchmarkId::new("memcpy_payload", label(side)), |bch| {
            bch.iter(|| {
                copy.copy_from_slice(black_box(&file[sac::HEADER_LEN..]));
                black_box(&mut copy);
            })
        });
        g.bench_function(BenchmarkId::new("naive_iter", label(side)), |bch| {
            bch.iter(|| {
                let f = black_box(&frame);
                for (d, v) in a.iter_mut().zip(f.a_iter()) {
                    *d = v;
                }
                for (d, v) in b.iter_mut().zip(f.b_iter()) {
                    *d = v;
                }
                black_box((&mut a, &mut b));
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench_encode, bench_decode_view, bench_copy_out);
criterion_main!(benches);
