//! Stream decoding: a stream of 1 MiB VCBN frames fed in 1500-byte chunks
//! (an Ethernet MTU's worth) against the same stream fed whole, in one run.
//!
//! The consumer does what a receiver does with the payload slices: copies
//! them into a frame buffer. Both variants report `Throughput::Bytes`, and the
//! chunked one must stay at or above 80% of the whole one.
//!
//! Run: `cargo bench --bench stream`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use framewire::quant::Samples;
use framewire::stream::{Decoder, Event};
use framewire::vcbn::{self, Dtype, Params};
use framewire::Shape;

/// 8 frames of 512x1024 uint16 levels: 1 MiB of blob each.
fn stream() -> Vec<u8> {
    let shape = Shape::new(512, 1024);
    let x: Vec<f32> = (0..512 * 1024)
        .map(|i| (i % 4099) as f32 / 4099.0)
        .collect();
    let p = Params::new(Dtype::U16, 0.0, 1.0);
    let len = vcbn::encoded_len(shape, &p).unwrap();
    let mut out = vec![0u8; 8 * len];
    for f in out.chunks_mut(len) {
        vcbn::encode(Samples::F32(&x), shape, &p, f).unwrap();
    }
    out
}

/// Feeds `stream` in `chunk`-byte pieces, copying each payload slice into
/// `frame`; returns the number of frames.
fn decode(stream: &[u8], chunk: usize, frame: &mut [u8]) -> usize {
    let mut dec = Decoder::<1024>::new();
    let mut frames = 0;
    for piece in stream.chunks(chunk) {
        let mut events = dec.feed(piece);
        while let Some(ev) = events.next() {
            match ev.unwrap() {
                Event::Payload {
                    part_offset, data, ..
                } => {
                    let at = part_offset as usize;
                    frame[at..at + data.len()].copy_from_slice(data);
                }
                Event::End { .. } => frames += 1,
                Event::Header { .. } => {}
            }
        }
    }
    frames
}

fn bench(c: &mut Criterion) {
    let s = stream();
    let mut frame = vec![0u8; 1 << 20];
    let mut g = c.benchmark_group("stream_decode_1MiB_frames");
    g.throughput(Throughput::Bytes(s.len() as u64));
    g.bench_function("whole", |b| {
        b.iter(|| assert_eq!(decode(black_box(&s), s.len(), &mut frame), 8))
    });
    g.bench_function("chunks_1500", |b| {
        b.iter(|| assert_eq!(decode(black_box(&s), 1500, &mut frame), 8))
    });
    // Baseline: the copy alone, no decoder.
    g.bench_function("memcpy_baseline", |b| {
        b.iter_batched(
            || (),
            |_| {
                for f in s.chunks(s.len() / 8) {
                    frame.copy_from_slice(black_box(&f[f.len() - (1 << 20)..]));
                }
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
