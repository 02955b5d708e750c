//! Quantizer corners the codec tests do not reach: resolutions above what
//! the output type holds saturate at the type's maximum, as the docs say.

use framewire::quant::{Quantizer, Samples};

/// The formula of docs/FORMATS.md §4.1 for the range 0..1, saturating at `max`.
fn reference(x: f32, resolution: u32, max: f32) -> u32 {
    let scale = f64::from(resolution) as f32;
    (x * scale).clamp(0.0, max) as u32
}

const SRC: [f32; 6] = [0.0, 1e-6, 0.25, 0.5, 0.999, 1.0];

#[test]
fn resolution_above_u16_saturates() {
    for resolution in [65_536, 100_000, 1 << 31, u32::MAX] {
        let q = Quantizer::new(0.0, 1.0, resolution);
        let want: Vec<u16> = SRC
            .iter()
            .map(|&x| reference(x, resolution, 65_535.0) as u16)
            .collect();
        assert_eq!(q.level(1.0), 65_535, "resolution {resolution}");
        let mut out = [0u16; 6];
        q.quantize(Samples::F32(&SRC), &mut out).unwrap();
        assert_eq!(&out[..], &want[..], "resolution {resolution}");
        let single: Vec<u16> = SRC.iter().map(|&x| q.level(x)).collect();
        assert_eq!(single, want, "resolution {resolution}");
    }
}

#[test]
fn resolution_above_u8_saturates() {
    for resolution in [256, 4096, 1 << 31, u32::MAX] {
        let q = Quantizer::new(0.0, 1.0, resolution);
        let want: Vec<u8> = SRC
            .iter()
            .map(|&x| reference(x, resolution, 255.0) as u8)
            .collect();
        let mut out = [0u8; 6];
        q.quantize(Samples::F32(&SRC), &mut out).unwrap();
        assert_eq!(&out[..], &want[..], "resolution {resolution}");
        assert_eq!(out[5], 255);
    }
}
