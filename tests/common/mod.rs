//! Helpers shared by the integration tests: hand-built frames (any field,
//! valid or not), golden-vector paths and little-endian array readers.
//!
//! Each test file uses what it needs (`mod common;`); the rest is dead code
//! there, hence the `allow`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// A SAC file with every header field chosen by the caller, followed by
/// `payload` bytes.
#[allow(clippy::too_many_arguments)]
pub fn sac_fields(
    magic: &[u8; 4],
    flags: u8,
    dtype: u8,
    count: u8,
    reserved: u8,
    len_a: u32,
    len_b: u32,
    width: u32,
    height: u32,
    payload: &[u8],
) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(magic);
    v.extend_from_slice(&[flags, dtype, count, reserved]);
    for x in [len_a, len_b, width, height] {
        v.extend_from_slice(&x.to_le_bytes());
    }
    v.extend_from_slice(payload);
    v
}

/// A SAC file with a valid fixed part (`SAC1`, dtype 1, two arrays) and the
/// given lengths, width, height and payload bytes.
pub fn sac_raw(len_a: u32, len_b: u32, width: u32, height: u32, payload: &[u8]) -> Vec<u8> {
    sac_fields(b"SAC1", 0, 1, 2, 0, len_a, len_b, width, height, payload)
}

/// A VCBN envelope around `json` (any bytes) and `blob`, with the pad byte
/// placed by the format's rule (the blob starts on an even offset).
pub fn vcbn_raw(magic: &[u8; 4], version: u8, json: &[u8], blob: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(magic);
    v.push(version);
    v.extend_from_slice(&(json.len() as u32).to_be_bytes());
    v.extend_from_slice(json);
    if (9 + json.len()) % 2 == 1 {
        v.push(0);
    }
    v.extend_from_slice(blob);
    v
}

/// A `VCBN` version-1 envelope around `json` and `blob`.
pub fn vcbn_env(json: &str, blob: &[u8]) -> Vec<u8> {
    vcbn_raw(b"VCBN", 1, json.as_bytes(), blob)
}

/// Offset of the blob for a header JSON of `len` bytes.
pub fn blob_offset(len: usize) -> u64 {
    9 + len as u64 + u64::from(len % 2 == 0)
}

/// The path of a golden vector under `tests/golden/`.
pub fn golden_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(rel)
}

/// The bytes of a golden vector under `tests/golden/`.
pub fn golden_bytes(rel: &str) -> Vec<u8> {
    std::fs::read(golden_path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Little-endian `int16` values.
pub fn i16s(bytes: &[u8]) -> Vec<i16> {
    bytes
        .chunks_exact(2)
        .map(|c| i16::from_le_bytes([c[0], c[1]]))
        .collect()
}

/// Little-endian `float32` values.
pub fn f32s(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

/// Little-endian `float64` values.
pub fn f64s(bytes: &[u8]) -> Vec<f64> {
    bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect()
}
