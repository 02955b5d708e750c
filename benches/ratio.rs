//! Paired, alternating-order ratios of each kernel against its memcpy
//! baseline: the figures of the README's Performance section.
//!
//! In each round the kernel and its baseline (a `copy_from_slice` of the
//! same number of bytes into a warm destination) are timed back to back, in
//! alternating order (kernel first in even rounds, baseline first in odd
//! ones), and the round's ratio is `baseline time / kernel time` (above 1:
//! the kernel is faster than the memcpy). The table gives the median of the
//! per-round ratios and their p25..p75. The first row is the noise floor: a
//! memcpy against the same memcpy, measured the same way.
//!
//! ```text
//! cargo bench --bench ratio                      # default build: SSE2
//! cargo bench --bench ratio --features avx512    # run-time dispatch: every level the CPU has
//! ```
//!
//! `FW_RATIO_SIZES=64,1024` picks sizes (default 64,1024,4096);
//! `FW_RATIO_QUICK=1` runs few rounds (CI smoke).

mod common;

use std::hint::black_box;
use std::time::Instant;

use common::{filled, samples_f32, samples_f64, samples_i16, VMAX, VMIN};
use framewire::quant::{ComplexPart, Dequantizer, Isa, Quantizer, Samples};
use framewire::quant::{RESOLUTION_U16, RESOLUTION_U8};
use framewire::vcbn::{self, Dtype, Params};
use framewire::{sac, Shape};
use zerocopy::IntoBytes;

/// Seconds for one call of `f` repeated `reps` times.
fn time(reps: usize, f: &mut dyn FnMut()) -> f64 {
    let t = Instant::now();
    for _ in 0..reps {
        f();
    }
    t.elapsed().as_secs_f64()
}

struct Stats {
    median: f64,
    p25: f64,
    p75: f64,
    kernel_s: f64,
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i]
}

/// The paired measurement: `rounds` rounds, order alternating.
fn pair(bytes: usize, kernel: &mut dyn FnMut(), base: &mut dyn FnMut()) -> Stats {
    let quick = std::env::var_os("FW_RATIO_QUICK").is_some();
    // Repetitions so that one timing is at least ~0.2 ms, and rounds so
    // that a pair of kernels takes about half a second (at least 15).
    kernel();
    base();
    let one = time(1, base).max(1e-9);
    let reps = ((2e-4 / one).ceil() as usize).max(1);
    let per_round = 2.0 * one * reps as f64;
    let rounds = if quick {
        5
    } else {
        ((0.5 / per_round) as usize).clamp(15, 301)
    };
    let _ = bytes;
    let mut ratios = Vec::with_capacity(rounds);
    let mut kt = Vec::with_capacity(rounds);
    for r in 0..rounds {
        let (tk, tb) = if r % 2 == 0 {
            let tk = time(reps, kernel);
            (tk, time(reps, base))
        } else {
            let tb = time(reps, base);
            (time(reps, kernel), tb)
        };
        ratios.push(tb / tk);
        kt.push(tk / reps as f64);
    }
    ratios.sort_by(f64::total_cmp);
    kt.sort_by(f64::total_cmp);
    Stats {
        median: quantile(&ratios, 0.5),
        p25: quantile(&ratios, 0.25),
        p75: quantile(&ratios, 0.75),
        kernel_s: quantile(&kt, 0.5),
    }
}

/// A warm destination for memcpys of `src`: its address is 2 KiB away from
/// `src`'s modulo 4 KiB. When the two are nearly equal modulo 4 KiB (as
/// consecutive allocations of a few pages are), the `rep movsb` of glibc's
/// memcpy for mid sizes runs many times slower on some CPUs (4K aliasing:
/// 31x at 16 KiB on an AMD EPYC), and the baseline would be bogus.
struct Dst {
    buf: Vec<u8>,
    at: usize,
    len: usize,
}

impl Dst {
    fn new(src: &[u8], fill: u8) -> Dst {
        let buf = filled(src.len() + 4096, fill);
        let apart = |p: *const u8| p as usize % 4096;
        let at = (apart(src.as_ptr()) + 2048 + 4096 - apart(buf.as_ptr())) % 4096;
        Dst {
            buf,
            at,
            len: src.len(),
        }
    }

    fn get(&mut self) -> &mut [u8] {
        &mut self.buf[self.at..self.at + self.len]
    }
}

/// A memcpy of `src` into the warm `dst`.
fn memcpy(dst: &mut [u8], src: &[u8]) {
    dst.copy_from_slice(black_box(src));
    black_box(dst);
}

/// A pass that reads `src` and writes nothing: a sum of its 8-byte words,
/// prefetched 4 KiB ahead as the kernels prefetch (x86-64). No kernel that
/// reads all of `src` can take much less time, so its ratio to the memcpy is
/// the most any kernel reading this input could reach.
fn read_only(src: &[u8]) -> u64 {
    let mut acc = [0u64; 8];
    for (j, line) in src.chunks_exact(64).enumerate() {
        #[cfg(target_arch = "x86_64")]
        if let Some(x) = src.get(64 * j + 4096) {
            safe_arch::prefetch_t0(x);
        }
        for (a, w) in acc.iter_mut().zip(line.chunks_exact(8)) {
            *a = a.wrapping_add(u64::from_le_bytes(w.try_into().unwrap()));
        }
    }
    acc.iter().fold(0, |x, y| x.wrapping_add(*y))
}

fn row(kernel: &str, isa: &str, side: usize, baseline: &str, s: &Stats) {
    let t = s.kernel_s;
    let t = if t >= 1e-3 {
        format!("{:.2} ms", t * 1e3)
    } else {
        format!("{:.1} µs", t * 1e6)
    };
    println!(
        "| {kernel} | {isa} | {side}² | {baseline} | **{:.2}×** | {:.2}..{:.2} | {t} |",
        s.median, s.p25, s.p75
    );
}

fn isas() -> Vec<(Isa, &'static str)> {
    [
        (Isa::Sse2, "SSE2"),
        (Isa::Avx2, "AVX2"),
        (Isa::Avx512, "AVX-512"),
        (Isa::Portable, "portable"),
    ]
    .into_iter()
    .filter(|(i, _)| i.available() && (*i != Isa::Portable || !Isa::Sse2.available()))
    .collect()
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is taken.
    let sizes: Vec<usize> = std::env::var("FW_RATIO_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![64, 1024, 4096]);
    let best = Isa::best();
    println!(
        "framewire ratio harness: build {} (dispatch picks {:?}); ratio = memcpy time / kernel time \
         (above 1: faster than the memcpy), median of per-round ratios and p25..p75",
        if cfg!(feature = "avx512") {
            "--features avx512"
        } else if cfg!(feature = "std") {
            "--features std"
        } else {
            "default"
        },
        best
    );
    println!();
    println!("| kernel | level | size | baseline (memcpy of) | median | p25..p75 | kernel time |");
    println!("|---|---|---|---|---|---|---|");
    for &side in &sizes {
        let n = side * side;
        let f32s = samples_f32(n, 1);
        let f64s = samples_f64(n, 3);
        let pairs = samples_f32(2 * n, 4);
        let in4 = f32s.as_bytes().to_vec();
        let mut c4 = Dst::new(&in4, 1);
        let in8 = f64s.as_bytes().to_vec();
        let mut c8 = Dst::new(&in8, 1);
        let mut q16 = filled(n, 1u16);
        let mut q8 = filled(n, 1u8);
        let mut deq = filled(n, 1.0f32);

        // Noise floor.
        {
            let mut c4b = Dst::new(&in4, 2);
            let s = pair(4 * n, &mut || memcpy(c4b.get(), &in4), &mut || {
                memcpy(c4.get(), &in4)
            });
            row("memcpy (noise floor)", "-", side, "the same", &s);
        }
        // The read-only floors: how fast the input can be read at all.
        let s = pair(
            4 * n,
            &mut || {
                black_box(read_only(black_box(&in4)));
            },
            &mut || memcpy(c4.get(), &in4),
        );
        row(
            "read-only pass (no kernel)",
            "-",
            side,
            "input, 4 B/sample",
            &s,
        );
        let s = pair(
            8 * n,
            &mut || {
                black_box(read_only(black_box(&in8)));
            },
            &mut || memcpy(c8.get(), &in8),
        );
        row(
            "read-only pass (no kernel)",
            "-",
            side,
            "input, 8 B/sample",
            &s,
        );
        // glibc's memcpy picks its method by size: the same bytes in four
        // calls of a quarter each.
        let mut c8b = Dst::new(&in8, 2);
        let s = pair(
            8 * n,
            &mut || {
                for (d, s) in c8b.get().chunks_mut(2 * n).zip(in8.chunks(2 * n)) {
                    memcpy(d, s);
                }
            },
            &mut || memcpy(c8.get(), &in8),
        );
        row(
            "memcpy in 4 calls of 1/4",
            "-",
            side,
            "input, 8 B/sample",
            &s,
        );
        let qz16 = Quantizer::new(VMIN, VMAX, RESOLUTION_U16);
        let qz8 = Quantizer::new(VMIN, VMAX, RESOLUTION_U8);
        for (isa, name) in isas() {
            let s = pair(
                4 * n,
                &mut || {
                    qz16.quantize_with(isa, Samples::F32(black_box(&f32s)), &mut q16)
                        .unwrap()
                },
                &mut || memcpy(c4.get(), &in4),
            );
            row("quantize_u16", name, side, "input, 4 B/sample", &s);
            let s = pair(
                4 * n,
                &mut || {
                    qz8.quantize_with(isa, Samples::F32(black_box(&f32s)), &mut q8)
                        .unwrap()
                },
                &mut || memcpy(c4.get(), &in4),
            );
            row("quantize_u8", name, side, "input, 4 B/sample", &s);
            let s = pair(
                8 * n,
                &mut || {
                    qz16.quantize_with(isa, Samples::F64(black_box(&f64s)), &mut q16)
                        .unwrap()
                },
                &mut || memcpy(c8.get(), &in8),
            );
            row("quantize_f64_u16", name, side, "input, 8 B/sample", &s);
            let s = pair(
                8 * n,
                &mut || {
                    qz16.quantize_with(
                        isa,
                        Samples::Complex32(black_box(&pairs), ComplexPart::Real),
                        &mut q16,
                    )
                    .unwrap()
                },
                &mut || memcpy(c8.get(), &in8),
            );
            row(
                "quantize_complex_u16 (real)",
                name,
                side,
                "input, 8 B/sample",
                &s,
            );
            let dq = Dequantizer::new(VMIN, VMAX, RESOLUTION_U16);
            qz16.quantize(Samples::F32(&f32s), &mut q16).unwrap();
            let s = pair(
                4 * n,
                &mut || dq.run_with(isa, black_box(&q16), &mut deq).unwrap(),
                &mut || memcpy(c4.get(), &in4),
            );
            row("dequantize_u16", name, side, "output, 4 B/sample", &s);
        }

        // The public paths, with the kernel the build picks.
        let bname = format!("{best:?} (dispatch)");
        let shape = Shape::new(side as u64, side as u64);
        let p = Params::new(Dtype::U16, VMIN, VMAX);
        let mut env = filled(vcbn::encoded_len(shape, &p).unwrap(), 1u8);
        let s = pair(
            4 * n,
            &mut || {
                vcbn::encode(Samples::F32(black_box(&f32s)), shape, &p, &mut env).unwrap();
            },
            &mut || memcpy(c4.get(), &in4),
        );
        row(
            "vcbn::encode (u16, header + levels)",
            &bname,
            side,
            "input, 4 B/sample",
            &s,
        );
        let frame = vcbn::decode(&env).unwrap();
        let s = pair(
            4 * n,
            &mut || black_box(&frame).dequantize_into(&mut deq).unwrap(),
            &mut || memcpy(c4.get(), &in4),
        );
        row(
            "vcbn dequantize (Frame::dequantize_into)",
            &bname,
            side,
            "output, 4 B/sample",
            &s,
        );
        let (a, b) = (samples_i16(n, 11), samples_i16(n, 12));
        let mut file = filled(sac::encoded_len(n, n).unwrap(), 1u8);
        let s = pair(
            4 * n,
            &mut || {
                sac::encode(black_box(&a), black_box(&b), shape, &mut file).unwrap();
            },
            &mut || memcpy(c4.get(), &in4),
        );
        row("sac::encode", "-", side, "payload, 4 B/sample", &s);
    }
}
