//! What the Rust decoder makes of imgpack messages, for the browser tests
//! (`tests/browser/imgpack.test.mjs`), which compare `framewire.js` with it.
//!
//! ```text
//! cargo run --release -p framewire-demo --example imgpack_truth -- FILE...
//! ```
//!
//! One JSON line per file, in order: `{"ok":false,"message":...}` with the
//! error `framewire::decode_any` gives (its `Display` text), or
//! `{"ok":true,...}` with the header fields, `data` (the levels, or the
//! float values as f64) and `values` (`dequantize_into` for the n-bit
//! dtypes, `copy_floats_to_f32` for the floats). Non-finite floats are the
//! strings `"NaN"`, `"Infinity"`, `"-Infinity"`; shape dimensions are
//! strings (they may pass 2^53).

use std::io::Write as _;

use framewire::AnyFrame;
use serde_json::{json, Value};

fn float(x: f64) -> Value {
    if x.is_nan() {
        json!("NaN")
    } else if x.is_infinite() {
        json!(if x > 0.0 { "Infinity" } else { "-Infinity" })
    } else {
        json!(x)
    }
}

fn truth(bytes: &[u8]) -> Result<Value, String> {
    let frame = match framewire::decode_any(bytes).map_err(|e| e.to_string())? {
        AnyFrame::Imgpack(f) => f,
        other => return Ok(json!({"ok": true, "format": other.format().name()})),
    };
    let h = frame.header();
    let data = frame.data();
    let n = data.len();
    let (levels, values) = if h.dtype().is_float() {
        let floats: Vec<Value> = (0..n)
            .map(|i| float(data.float(i).unwrap_or(f64::NAN)))
            .collect();
        let mut v = vec![0f32; n];
        data.copy_floats_to_f32(&mut v).map_err(|e| e.to_string())?;
        (floats, v)
    } else {
        let levels: Vec<Value> = data
            .levels()
            .map_err(|e| e.to_string())?
            .map(|q| json!(q))
            .collect();
        let mut v = vec![0f32; n];
        frame.dequantize_into(&mut v).map_err(|e| e.to_string())?;
        (levels, v)
    };
    let [height, width] = h.shape().to_array();
    Ok(json!({
        "ok": true,
        "format": "imgpack",
        "dtype": h.dtype().name(),
        "bits": h.bits(),
        "endianness": h.endianness().map(|e| e.name()),
        "shape": [height.to_string(), width.to_string()],
        "order": h.order().name(),
        "version": h.version(),
        "size": h.size().map(float),
        "resolution": h.resolution(),
        "vmin": float(h.vmin()),
        "vmax": float(h.vmax()),
        "headerLen": h.json_len(),
        "padLen": h.pad_len(),
        "blobOffset": h.blob_offset(),
        "json": frame.json(),
        "data": levels,
        "values": values.into_iter().map(|x| float(f64::from(x))).collect::<Vec<_>>(),
    }))
}

fn main() -> std::process::ExitCode {
    let mut out = std::io::stdout().lock();
    for path in std::env::args_os().skip(1) {
        let line = match std::fs::read(&path) {
            Ok(bytes) => {
                truth(&bytes).unwrap_or_else(|message| json!({"ok": false, "message": message}))
            }
            Err(e) => {
                eprintln!("imgpack_truth: {}: {e}", path.to_string_lossy());
                return std::process::ExitCode::from(2);
            }
        };
        if writeln!(out, "{line}").is_err() {
            return std::process::ExitCode::from(2);
        }
    }
    std::process::ExitCode::SUCCESS
}
