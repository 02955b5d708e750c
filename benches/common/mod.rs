//! Shared by the benchmarks: sizes, inputs, and the group settings that keep
//! a whole `cargo bench` within a few minutes on a 2-core machine.
#![allow(dead_code)]

use std::time::Duration;

use criterion::{BenchmarkGroup, SamplingMode};

/// The square sizes every group measures: 64×64, 1024×1024, 4096×4096.
pub const SIZES: [usize; 3] = [64, 1024, 4096];

/// The parameter label of a size, as it appears in criterion's output
/// (`target/criterion/<group>/<function>/<label>/`).
pub fn label(side: usize) -> String {
    format!("{side}x{side}")
}

/// Settings for the benchmarks of one size. Large inputs run a few
/// milliseconds per iteration, so they get few, flat samples.
pub fn configure<M: criterion::measurement::Measurement>(
    g: &mut BenchmarkGroup<'_, M>,
    side: usize,
) {
    if side >= 4096 {
        g.sampling_mode(SamplingMode::Flat)
            .sample_size(20)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2));
    } else if side >= 1024 {
        g.sampling_mode(SamplingMode::Auto)
            .sample_size(30)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(1));
    } else {
        g.sampling_mode(SamplingMode::Auto)
            .sample_size(30)
            .warm_up_time(Duration::from_millis(200))
            .measurement_time(Duration::from_millis(500));
    }
}

/// A small, deterministic generator (xorshift64*), so no `rand` dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The range the float inputs are quantized with.
pub const VMIN: f64 = -1.0;
pub const VMAX: f64 = 3.0;

/// `n` samples spread over `[VMIN - 10%, VMAX + 10%]` (so some clip), with
/// about one in 64 NaN: what a depth map with holes looks like.
pub fn samples_f64(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = Rng::new(seed);
    let span = VMAX - VMIN;
    (0..n)
        .map(|_| {
            if rng.next_u64() % 64 == 0 {
                f64::NAN
            } else {
                VMIN - 0.1 * span + 1.2 * span * rng.unit()
            }
        })
        .collect()
}

/// [`samples_f64`] rounded to f32.
pub fn samples_f32(n: usize, seed: u64) -> Vec<f32> {
    samples_f64(n, seed).into_iter().map(|x| x as f32).collect()
}

/// `n` int16 values.
pub fn samples_i16(n: usize, seed: u64) -> Vec<i16> {
    let mut rng = Rng::new(seed);
    (0..n).map(|_| rng.next_u64() as i16).collect()
}

/// A destination buffer with its pages already touched (`vec![0; n]` may
/// hand out untouched zero pages, which would make the first runs page-fault).
pub fn filled<T: Clone>(n: usize, v: T) -> Vec<T> {
    vec![v; n]
}
