//! `imgpack::decode_with` on arbitrary bytes, with the default limits and
//! with small ones. A message that decodes must agree with `decode_any`
//! and `take_from_bytes`, its data views must agree with each other, and a
//! message whose header is the canonical one the encoder writes (see
//! docs/FORMATS.md §8) must re-encode to exactly the same bytes: from its
//! floats for `float16/32/64`, and for `packed` and `uint8/16/32` from
//! samples that the quantization formula of docs/FORMATS.md §8.4, computed
//! here independently, maps to its levels (when every level has one).
#![no_main]

use framewire::frame::{self, AnyFrame};
use framewire::imgpack::{self, Dtype, Encoder, Input, Params};
use framewire::vcbn::Limits;
use framewire_fuzz::SMALL;
use libfuzzer_sys::fuzz_target;

fn check(data: &[u8], limits: &Limits) -> bool {
    let f = match imgpack::decode_with(data, limits) {
        Ok(f) => f,
        Err(e) => {
            let _ = e.to_string();
            // take_from_bytes refuses only what decode refuses, or agrees.
            return false;
        }
    };
    let h = *f.header();
    assert_eq!(h.frame_len(), data.len() as u64);
    let (g, rest) = imgpack::take_from_bytes(data, limits).unwrap();
    assert!(rest.is_empty());
    same(&g, &f);
    if frame::Format::detect(data) == Ok(frame::Format::Imgpack) {
        match frame::decode_any_with(data, limits).unwrap() {
            AnyFrame::Imgpack(a) => same(&a, &f),
            _ => panic!("decode_any took another format"),
        }
    }
    let d = f.data();
    assert_eq!(d.len() as u64, h.elements());
    assert_eq!(d.as_bytes().len() as u64, h.blob_len());
    if h.dtype().is_float() {
        let mut xs = vec![0f64; d.len()];
        d.copy_floats_to_f64(&mut xs).unwrap();
        assert!(d.levels().is_err());
        // Raw floats re-encode exactly when the header is canonical (from
        // their own type, so that no conversion touches a NaN's payload).
        let p = Params::new(h.dtype(), h.vmin(), h.vmax()).with_endianness(h.byte_order());
        match d.dtype() {
            Dtype::F32 => {
                let mut ys = vec![0f32; d.len()];
                d.copy_floats_to_f32(&mut ys).unwrap();
                reencode(data, &f, Input::F32(&ys), p);
            }
            Dtype::F64 => reencode(data, &f, Input::F64(&xs), p),
            _ => {
                // float16 through f32 is exact, and back again too, but for
                // a signalling NaN, which the conversion makes quiet (as
                // NumPy's does).
                let bits: Vec<u16> = (0..d.len()).map(|i| d.f16_bits(i).unwrap()).collect();
                let quiet = |b: u16| b & 0x7c00 != 0x7c00 || b & 0x03ff == 0 || b & 0x0200 != 0;
                if bits.iter().all(|&b| quiet(b)) {
                    let ys: Vec<f32> = bits.iter().map(|&b| imgpack::f16_to_f32(b)).collect();
                    reencode(data, &f, Input::F32(&ys), p);
                }
            }
        }
    } else {
        let levels: Vec<u32> = d.levels().unwrap().collect();
        assert!(levels.iter().enumerate().all(|(i, &v)| d.level(i) == Some(v)));
        let mut out = vec![0u32; d.len()];
        d.copy_levels_to_u32(&mut out).unwrap();
        assert_eq!(out, levels);
        let mut vals = vec![0f32; d.len()];
        f.dequantize_into(&mut vals).unwrap();
        let bits = h.bits().unwrap();
        // Samples that quantize to these levels, if there are any; for
        // `packed`, only when the unused bits of the last byte are zero, as
        // the encoder writes them (the decoder does not check them).
        let used = (levels.len() as u64 * u64::from(bits)) % 8;
        let tail_clean = h.dtype() != Dtype::Packed
            || used == 0
            || d.as_bytes().last().is_none_or(|&b| b >> used == 0);
        let samples: Option<Vec<f32>> = levels
            .iter()
            .map(|&q| preimage(q, h.dtype(), h.vmin(), h.vmax(), bits))
            .collect();
        if let Some(xs) = samples.filter(|_| tail_clean) {
            let p = Params::new(h.dtype(), h.vmin(), h.vmax())
                .with_bits(bits)
                .with_endianness(h.byte_order());
            reencode(data, &f, Input::F32(&xs), p);
        }
        if h.dtype() == Dtype::Packed {
            let mut packed = vec![0u8; d.as_bytes().len()];
            let n = imgpack::pack_levels(&levels, bits, &mut packed).unwrap();
            assert_eq!(n, packed.len());
            // Only the zero-filled tail bits of the last byte may differ.
            let used = (levels.len() as u64 * u64::from(bits)) % 8;
            if let (Some(a), Some(b)) = (packed.last(), d.as_bytes().last()) {
                let mask = if used == 0 { 0xff } else { (1u8 << used) - 1 };
                assert_eq!(a & mask, b & mask);
                assert_eq!(&packed[..packed.len() - 1], &d.as_bytes()[..packed.len() - 1]);
            }
        }
    }
    true
}

/// The level the quantization formula of docs/FORMATS.md §8.4 gives `x`,
/// as stored by `dtype`: `trunc(clamp((x - vmin) * scale, 0, hi))` in f32,
/// 0 for a non-finite product or range; `hi = (2**bits - 1) as f32` rounds
/// up to `2**bits` above 24 bits, which `uint32` keeps (but at 32 bits,
/// where it does not fit and is 0) and `packed` masks to its low `bits`.
fn formula_level(x: f32, dtype: Dtype, vmin: f64, vmax: f64, bits: u32) -> u32 {
    let denom = vmax - vmin;
    if !denom.is_finite() || denom <= 0.0 {
        return 0;
    }
    let top = ((1u64 << bits) - 1) as f64;
    let scale = (top / denom) as f32;
    let v = (x - vmin as f32) * scale;
    if !v.is_finite() {
        return 0;
    }
    let q = v.max(0.0).min(top as f32) as u64;
    match dtype {
        Dtype::Packed => (q & ((1u64 << bits) - 1)) as u32,
        _ => u32::try_from(q).unwrap_or(0),
    }
}

/// An f32 sample that `formula_level` maps to `q`, if one of a few
/// candidates does: NaN (level 0), the largest floats (the clamped ends),
/// and the floats around the middle of `q`'s interval.
fn preimage(q: u32, dtype: Dtype, vmin: f64, vmax: f64, bits: u32) -> Option<f32> {
    let hits = |x: f32| formula_level(x, dtype, vmin, vmax, bits) == q;
    let top = ((1u64 << bits) - 1) as f64;
    let scale = f64::from((top / (vmax - vmin)) as f32);
    let mid = (f64::from(vmin as f32) + (f64::from(q) + 0.5) / scale) as f32;
    let mut candidates = vec![f32::NAN, f32::MAX, -f32::MAX, mid];
    let (mut up, mut down) = (mid, mid);
    for _ in 0..8 {
        up = up.next_up();
        down = down.next_down();
        candidates.extend([up, down]);
    }
    candidates.into_iter().find(|&x| hits(x))
}

/// The same frame (headers compared as text: a NaN `vmin` is not `==`).
fn same(a: &imgpack::Frame<'_>, b: &imgpack::Frame<'_>) {
    assert_eq!(format!("{:?}", a.header()), format!("{:?}", b.header()));
    assert_eq!(a.json(), b.json());
    assert_eq!(a.data().as_bytes(), b.data().as_bytes());
    assert_eq!(a.data().dtype(), b.data().dtype());
}

/// If the header JSON is what the encoder writes for these parameters,
/// encoding `input` gives back exactly `data`.
fn reencode(data: &[u8], f: &imgpack::Frame<'_>, input: Input<'_>, p: Params) {
    let h = f.header();
    let Ok(enc) = Encoder::new(h.shape(), p) else { return };
    let mut head = vec![0u8; enc.blob_offset()];
    enc.write_header(&mut head).unwrap();
    if data.len() as u64 == enc.frame_len() && data.starts_with(&head) {
        let again = imgpack::encode_to_vec(input, h.shape(), &p).unwrap();
        assert_eq!(again, data, "a canonical message did not re-encode to itself");
    }
}

fuzz_target!(|data: &[u8]| {
    let big = check(data, &Limits::DEFAULT);
    let small = check(data, &SMALL);
    if small {
        assert!(big, "small limits accepted what the defaults refused");
    }
});
