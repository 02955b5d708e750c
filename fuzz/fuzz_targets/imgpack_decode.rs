//! `imgpack::decode_with` on arbitrary bytes, with the default limits and
//! with small ones. A message that decodes must agree with `decode_any`
//! and `take_from_bytes`, its data views must agree with each other, and a
//! message whose header is the canonical one the encoder writes (see
//! docs/FORMATS.md §8) must re-encode from its header and levels or floats
//! to exactly the same bytes.
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
            _ => {}
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
