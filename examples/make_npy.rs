//! Helper for `examples/roundtrip.sh`: writes synthetic `.npy` inputs for the
//! `framewire` CLI and checks what it decodes.
//!
//! ```text
//! make_npy gen DIR [HxW]
//!     DIR/depth.npy   float32 (H, W) depth map in metres, with NaN holes
//!     DIR/flow_u.npy  int16 (H, W), including -32768 and 32767
//!     DIR/flow_v.npy  int16 (H, W)
//! make_npy same X.npy Y.npy
//!     exit 0 iff both hold the same dtype, shape and elements (C order)
//! make_npy check-vcbn DEPTH.npy DATA.npy VALUES.npy uint8|uint16 [VMIN VMAX]
//!     exit 0 iff DATA.npy holds exactly the levels the library quantizes
//!     DEPTH.npy to (range: VMIN..VMAX, default its NaN-ignoring min and max)
//!     and VALUES.npy is within one quantization step of every finite input
//!     inside the range
//! ```
//!
//! Run with `cargo run --example make_npy --features cli -- ...`.

use std::error::Error;
use std::fs;
use std::path::Path;
use std::process::ExitCode;

use framewire::quant;
use npyz::{DType, Deserialize, NpyFile, Order, Serialize, WriterBuilder};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// Writes a C-order `.npy` file.
fn write_npy<T: Serialize + Copy>(
    path: &Path,
    descr: &str,
    shape: &[u64],
    data: &[T],
) -> Result<()> {
    let mut bytes = Vec::new();
    let mut w = npyz::WriteOptions::<T>::new()
        .dtype(DType::Plain(descr.parse()?))
        .shape(shape)
        .order(Order::C)
        .writer(&mut bytes)
        .begin_nd()?;
    w.extend(data.iter().copied())?;
    w.finish()?;
    fs::write(path, bytes)?;
    Ok(())
}

/// An array read back: dtype text, shape, elements (C order required).
struct Array<T> {
    descr: String,
    shape: Vec<u64>,
    data: Vec<T>,
}

fn read_npy<T: Deserialize>(path: &Path) -> Result<Array<T>> {
    let bytes = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let f = NpyFile::new(&bytes[..])?;
    if f.order() != Order::C {
        return Err(format!("{}: not in C order", path.display()).into());
    }
    Ok(Array {
        descr: f.dtype().descr(),
        shape: f.shape().to_vec(),
        data: f.into_vec()?,
    })
}

fn parse_size(s: &str) -> Result<(usize, usize)> {
    let (h, w) = s.split_once('x').ok_or("size must be HxW")?;
    Ok((h.parse()?, w.parse()?))
}

/// A smooth synthetic scene: a tilted floor, a sphere, and NaN where the
/// sensor saw nothing (a disc, a stripe and scattered pixels).
fn gen(dir: &Path, h: usize, w: usize) -> Result<()> {
    fs::create_dir_all(dir)?;
    let mut depth = Vec::with_capacity(h * w);
    let mut u = Vec::with_capacity(h * w);
    let mut v = Vec::with_capacity(h * w);
    let (hf, wf) = (h as f32, w as f32);
    for y in 0..h {
        for x in 0..w {
            let (fx, fy) = (x as f32 / wf, y as f32 / hf);
            let floor = 1.0 + 4.0 * (1.0 - fy) + 0.25 * (fx * 12.0).sin();
            let (dx, dy) = (fx - 0.6, fy - 0.55);
            let r2 = dx * dx + dy * dy;
            let mut d = if r2 < 0.04 {
                floor.min(1.5 - (0.04 - r2).sqrt())
            } else {
                floor
            };
            let (hx, hy) = (fx - 0.2, fy - 0.3);
            if hx * hx + hy * hy < 0.005 || x % 97 == 13 || (x * 31 + y * 17) % 211 == 0 {
                d = f32::NAN;
            }
            depth.push(d);
            let i = (y * w + x) as i64;
            u.push((((x as i64 - w as i64 / 2) * 97 + y as i64 * 3) % 65536 - 32768) as i16);
            v.push(match i % 1000 {
                0 => i16::MIN,
                1 => i16::MAX,
                _ => ((i * 7919) % 65536 - 32768) as i16,
            });
        }
    }
    let shape = [h as u64, w as u64];
    write_npy(&dir.join("depth.npy"), "<f4", &shape, &depth)?;
    write_npy(&dir.join("flow_u.npy"), "<i2", &shape, &u)?;
    write_npy(&dir.join("flow_v.npy"), "<i2", &shape, &v)?;
    Ok(())
}

/// Compares two int16 arrays.
fn same(x: &Path, y: &Path) -> Result<()> {
    let (a, b) = (read_npy::<i16>(x)?, read_npy::<i16>(y)?);
    if a.descr != b.descr || a.shape != b.shape {
        return Err(format!(
            "dtype/shape differ: {} {:?} vs {} {:?}",
            a.descr, a.shape, b.descr, b.shape
        )
        .into());
    }
    if let Some(i) = a.data.iter().zip(&b.data).position(|(p, q)| p != q) {
        return Err(format!("element {i} differs: {} vs {}", a.data[i], b.data[i]).into());
    }
    if a.data.len() != b.data.len() {
        return Err("lengths differ".into());
    }
    Ok(())
}

fn check_vcbn(args: &[String]) -> Result<()> {
    let [depth, data, values, dtype, range @ ..] = args else {
        return Err("usage: check-vcbn DEPTH DATA VALUES DTYPE [VMIN VMAX]".into());
    };
    let input = read_npy::<f32>(Path::new(depth))?;
    let (vmin, vmax) = match range {
        [lo, hi] => (lo.parse::<f64>()?, hi.parse::<f64>()?),
        [] => {
            let (lo, hi) = quant::nan_min_max(&input.data).ok_or("all NaN")?;
            (f64::from(lo), f64::from(hi))
        }
        _ => return Err("give both VMIN and VMAX or neither".into()),
    };
    let n = input.data.len();
    let (levels, resolution): (Vec<u16>, u32) = match dtype.as_str() {
        "uint8" => {
            let mut q = vec![0u8; n];
            quant::quantize_u8(&input.data, vmin, vmax, &mut q)?;
            (q.into_iter().map(u16::from).collect(), 255)
        }
        "uint16" => {
            let mut q = vec![0u16; n];
            quant::quantize_u16(&input.data, vmin, vmax, &mut q)?;
            (q, 4096)
        }
        other => return Err(format!("unknown dtype {other}").into()),
    };
    let got: Vec<u16> = if dtype == "uint8" {
        let a = read_npy::<u8>(Path::new(data))?;
        if a.shape != input.shape {
            return Err(format!("data shape {:?} != {:?}", a.shape, input.shape).into());
        }
        a.data.into_iter().map(u16::from).collect()
    } else {
        let a = read_npy::<u16>(Path::new(data))?;
        if a.shape != input.shape {
            return Err(format!("data shape {:?} != {:?}", a.shape, input.shape).into());
        }
        a.data
    };
    if got != levels {
        let i = got.iter().zip(&levels).position(|(a, b)| a != b);
        return Err(format!("levels differ (first at {i:?})").into());
    }
    let vals = read_npy::<f32>(Path::new(values))?;
    if vals.shape != input.shape || vals.data.len() != n {
        return Err("values shape differs".into());
    }
    let step = (vmax - vmin) / f64::from(resolution);
    let mut worst = 0f64;
    for (x, v) in input.data.iter().zip(&vals.data) {
        let x = f64::from(*x);
        if x.is_finite() && x >= vmin && x <= vmax {
            let err = (f64::from(*v) - x).abs();
            worst = worst.max(err);
            // One step, plus the f32 rounding of the value written.
            if err > step + f64::from(f32::EPSILON) * x.abs().max(vmin.abs()) {
                return Err(format!("value {v} is {err} from input {x} (step {step})").into());
            }
        }
    }
    println!("  levels exact ({n} samples), dequantized within {worst:.3e} (step {step:.3e})");
    Ok(())
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [cmd, dir] if cmd == "gen" => gen(Path::new(dir), 480, 640),
        [cmd, dir, size] if cmd == "gen" => {
            let (h, w) = parse_size(size)?;
            gen(Path::new(dir), h, w)
        }
        [cmd, x, y] if cmd == "same" => same(Path::new(x), Path::new(y)),
        [cmd, rest @ ..] if cmd == "check-vcbn" => check_vcbn(rest),
        _ => Err("usage: make_npy gen DIR [HxW] | same X Y | check-vcbn ...".into()),
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("make_npy: {e}");
            ExitCode::FAILURE
        }
    }
}
