//! Times `quant::quantize_u16` and `quant::quantize_u8` on an array read from
//! a raw file, next to a memcpy of the same input bytes, for
//! `benches/numpy_vs_framewire.py`.
//!
//! ```text
//! cargo run --release --example quantize_bench -- IN.f32 VMIN VMAX RUNS [OUT_U16 OUT_U8]
//! ```
//!
//! `IN.f32` holds little-endian float32 samples (NumPy's `a.tofile()`). Each
//! of the `RUNS` rounds times the three operations one after the other (so
//! machine noise hits all three alike); the medians are printed as one JSON
//! object, in nanoseconds. Reading the file and writing the outputs are
//! outside the timed region. With `OUT_U16 OUT_U8`, the levels are written
//! there (little-endian) so the caller can compare them with NumPy's.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

use framewire::quant;

fn median(v: &mut [u128]) -> u128 {
    v.sort_unstable();
    v[v.len() / 2]
}

fn time(f: impl FnOnce()) -> u128 {
    let t = Instant::now();
    f();
    t.elapsed().as_nanos()
}

fn run(args: &[String]) -> Result<(), String> {
    let [input, vmin, vmax, runs, rest @ ..] = args else {
        return Err("usage: quantize_bench IN.f32 VMIN VMAX RUNS [OUT_U16 OUT_U8]".into());
    };
    let parse = |s: &String| s.parse::<f64>().map_err(|e| format!("{s}: {e}"));
    let (vmin, vmax) = (parse(vmin)?, parse(vmax)?);
    let runs: usize = runs.parse().map_err(|e| format!("{runs}: {e}"))?;
    if runs == 0 {
        return Err("RUNS must be at least 1".into());
    }
    let bytes = std::fs::read(input).map_err(|e| format!("{input}: {e}"))?;
    if bytes.len() % 4 != 0 {
        return Err(format!(
            "{input}: length {} is not a multiple of 4",
            bytes.len()
        ));
    }
    let src: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let n = src.len();
    // Non-zero fills, so every page is touched before timing starts.
    let mut q16 = vec![1u16; n];
    let mut q8 = vec![1u8; n];
    let mut copy = vec![1u8; bytes.len()];

    // One untimed round to warm caches and page tables.
    quant::quantize_u16(&src, vmin, vmax, &mut q16).map_err(|e| e.to_string())?;
    quant::quantize_u8(&src, vmin, vmax, &mut q8).map_err(|e| e.to_string())?;
    copy.copy_from_slice(&bytes);

    let (mut t16, mut t8, mut tcopy) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        t16.push(time(|| {
            quant::quantize_u16(black_box(&src), vmin, vmax, black_box(&mut q16)).unwrap()
        }));
        t8.push(time(|| {
            quant::quantize_u8(black_box(&src), vmin, vmax, black_box(&mut q8)).unwrap()
        }));
        tcopy.push(time(|| {
            black_box(&mut copy).copy_from_slice(black_box(&bytes));
        }));
    }

    if let [out16, out8] = rest {
        let le16: Vec<u8> = q16.iter().flat_map(|v| v.to_le_bytes()).collect();
        std::fs::write(out16, le16).map_err(|e| format!("{out16}: {e}"))?;
        std::fs::write(out8, &q8).map_err(|e| format!("{out8}: {e}"))?;
    }
    println!(
        "{{\"samples\":{n},\"runs\":{runs},\"quantize_u16_ns\":{},\"quantize_u8_ns\":{},\"memcpy_input_ns\":{}}}",
        median(&mut t16),
        median(&mut t8),
        median(&mut tcopy)
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("quantize_bench: {e}");
            ExitCode::FAILURE
        }
    }
}
