//! Property tests of the imgpack codec: any array, dtype and `bits` survive
//! encode → decode; every strict prefix of a message is `Truncated`; the
//! packed reader and writer agree with a plain bit-by-bit reference; and
//! the quantization above 24 bits follows NumPy.

use framewire::imgpack::{self, Dtype, Endianness, Input, Packed, Params};
use framewire::{Error, Shape};
use proptest::prelude::*;

/// The reference quantizer, written from the formula of docs/FORMATS.md
/// §8.4 (f32 arithmetic, NumPy's cast through int64 on x86-64).
fn reference_level(x: f32, vmin: f64, vmax: f64, bits: u32) -> u32 {
    let top = ((1u64 << bits) - 1) as f64;
    let denom = vmax - vmin;
    if !denom.is_finite() || denom <= 0.0 {
        return 0;
    }
    let scale = (top / denom) as f32;
    let v = (x - vmin as f32) * scale;
    if !v.is_finite() {
        return 0;
    }
    let v = v.max(0.0).min(top as f32);
    (v as i64) as u32
}

/// Bit `k` of a byte stream, LSB first.
fn bit(bytes: &[u8], k: u64) -> u64 {
    u64::from((bytes[(k / 8) as usize] >> (k % 8)) & 1)
}

/// The bit-by-bit reference packer.
fn reference_pack(levels: &[u32], bits: u32) -> Vec<u8> {
    let mut out = vec![0u8; (levels.len() * bits as usize).div_ceil(8)];
    let mut k = 0usize;
    for &v in levels {
        for j in 0..bits {
            if (v >> j) & 1 == 1 {
                out[k / 8] |= 1 << (k % 8);
            }
            k += 1;
        }
    }
    out
}

fn dtype_and_bits() -> impl Strategy<Value = (Dtype, u32)> {
    prop_oneof![
        (1u32..=32).prop_map(|b| (Dtype::Packed, b)),
        (1u32..=8).prop_map(|b| (Dtype::U8, b)),
        (1u32..=16).prop_map(|b| (Dtype::U16, b)),
        (1u32..=32).prop_map(|b| (Dtype::U32, b)),
        Just((Dtype::F16, 12)),
        Just((Dtype::F32, 12)),
        Just((Dtype::F64, 12)),
    ]
}

fn message() -> impl Strategy<Value = (Vec<f32>, Shape, Params)> {
    (
        1u64..6,
        1u64..6,
        dtype_and_bits(),
        any::<bool>(),
        -100.0f64..100.0,
        0.001f64..200.0,
    )
        .prop_flat_map(|(h, w, (dtype, bits), be, vmin, span)| {
            let n = (h * w) as usize;
            let e = if be {
                Endianness::Big
            } else {
                Endianness::Little
            };
            let params = Params::new(dtype, vmin, vmin + span)
                .with_bits(bits)
                .with_endianness(e);
            let sample = prop_oneof![
                8 => (vmin - span * 0.1)..(vmin + span * 1.1),
                1 => Just(f64::NAN),
                1 => Just(f64::INFINITY),
            ];
            (
                proptest::collection::vec(sample.prop_map(|x| x as f32), n),
                Just(Shape::new(h, w)),
                Just(params),
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_array_dtype_and_bits_round_trip((samples, shape, params) in message()) {
        let wire = imgpack::encode_to_vec(Input::F32(&samples), shape, &params).unwrap();
        prop_assert_eq!(wire.len(), imgpack::encoded_len(shape, &params).unwrap());
        let f = imgpack::decode(&wire).unwrap();
        let h = f.header();
        prop_assert_eq!(h.shape(), shape);
        prop_assert_eq!(h.dtype(), params.dtype());
        prop_assert_eq!(h.vmin(), params.vmin());
        prop_assert_eq!(h.vmax(), params.vmax());
        prop_assert_eq!(h.blob_offset() % params.dtype().elem_size(), 0);
        let data = f.data();
        if params.dtype().is_float() {
            prop_assert_eq!(h.bits(), None);
            prop_assert_eq!(h.byte_order(), params.endianness());
            for (i, &x) in samples.iter().enumerate() {
                let want = match params.dtype() {
                    Dtype::F16 => f64::from(half::f16::from_f32(x).to_f32()),
                    _ => f64::from(x),
                };
                let got = data.float(i).unwrap();
                prop_assert!(got == want || (got.is_nan() && want.is_nan()), "{} vs {}", got, want);
            }
        } else {
            let bits = params.bits();
            prop_assert_eq!(h.bits(), Some(bits));
            let mask = if bits == 32 { u32::MAX } else { (1u32 << bits) - 1 };
            let levels: Vec<u32> = data.levels().unwrap().collect();
            for (&x, &q) in samples.iter().zip(&levels) {
                let mut want = reference_level(x, params.vmin(), params.vmax(), bits);
                if params.dtype() == Dtype::Packed {
                    want &= mask;
                }
                prop_assert_eq!(q, want, "x = {}", x);
            }
            let mut back = vec![0f32; levels.len()];
            f.dequantize_into(&mut back).unwrap();
            if bits <= 24 {
                let step = (params.vmax() - params.vmin()) / f64::from(mask);
                for (&x, &y) in samples.iter().zip(&back) {
                    let x = f64::from(x);
                    if x.is_finite() && x >= params.vmin() && x <= params.vmax() {
                        let slack = 8.0 * f64::EPSILON.max(2f64.powi(-24))
                            * (x.abs() + params.vmin().abs() + params.vmax().abs());
                        prop_assert!((f64::from(y) - x).abs() <= step + slack,
                            "x = {}, x' = {}, step = {}", x, y, step);
                    }
                }
            }
        }
        // The streaming encoder writes the same bytes.
        let mut enc = imgpack::Encoder::new(shape, params).unwrap();
        let mut streamed = vec![0u8; enc.blob_offset()];
        enc.write_header(&mut streamed).unwrap();
        let mut piece = [0u8; 8];
        for &x in &samples {
            let (used, n) = enc.encode(Input::F32(&[x]), &mut piece).unwrap();
            prop_assert_eq!(used, 1);
            streamed.extend_from_slice(&piece[..n]);
        }
        let n = enc.finish(&mut piece).unwrap();
        streamed.extend_from_slice(&piece[..n]);
        prop_assert_eq!(streamed, wire);
    }

    #[test]
    fn every_strict_prefix_is_truncated((samples, shape, params) in message()) {
        let wire = imgpack::encode_to_vec(Input::F32(&samples), shape, &params).unwrap();
        for k in 0..wire.len() {
            let e = imgpack::decode(&wire[..k]).unwrap_err();
            prop_assert!(matches!(e, Error::Truncated { available, .. } if available == k as u64),
                "prefix {}: {:?}", k, e);
            prop_assert!(e.to_string().contains("truncated"));
        }
        let mut longer = wire.clone();
        longer.push(0);
        let e = imgpack::decode(&longer).unwrap_err();
        prop_assert!(matches!(e, Error::TrailingBytes { .. }), "{:?}", e);
    }

    #[test]
    fn packed_writer_agrees_with_a_bit_by_bit_reference(
        bits in 1u32..=32,
        raw in proptest::collection::vec(any::<u32>(), 0..40),
    ) {
        let mut out = vec![0u8; (raw.len() * bits as usize).div_ceil(8)];
        let n = imgpack::pack_levels(&raw, bits, &mut out).unwrap();
        prop_assert_eq!(n, out.len());
        prop_assert_eq!(&out, &reference_pack(&raw, bits));
    }

    #[test]
    fn packed_reader_agrees_with_a_bit_by_bit_reference(
        bits in 1u32..=32,
        count in 0usize..40,
        seed in any::<u64>(),
    ) {
        let len = (count * bits as usize).div_ceil(8);
        let mut s = seed;
        let bytes: Vec<u8> = (0..len).map(|_| { s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); (s >> 56) as u8 }).collect();
        let p = Packed::new(&bytes, bits, count).unwrap();
        let want: Vec<u32> = (0..count as u64)
            .map(|i| (0..u64::from(bits)).map(|j| bit(&bytes, i * u64::from(bits) + j) << j).sum::<u64>() as u32)
            .collect();
        prop_assert_eq!(p.iter().collect::<Vec<_>>(), want.clone());
        prop_assert_eq!((0..count).map(|i| p.get(i).unwrap()).collect::<Vec<_>>(), want);
        prop_assert_eq!(p.get(count), None);
        // One byte more or less is refused.
        prop_assert!(Packed::new(&bytes[..len.saturating_sub(1)], bits, count).is_err() || len == 0);
    }
}

/// Above 24 bits `2**bits - 1` rounds up in f32; levels measured with
/// NumPy 2.4.6 on x86-64 (`np.clip((a - 0.0) * ((2**b - 1) / 1.0), 0.0,
/// 2**b - 1).astype(np.uint32)` for `a = [0, 1, 0.5, 0.999999]` in f32):
/// 25 bits `[0, 33554432, 16777216, 33554398]`, 31 bits `[0, 2147483648,
/// 1073741824, 2147481472]`, 32 bits `[0, 0, 2147483648, 4294962944]`.
#[test]
fn levels_above_24_bits_follow_numpy() {
    let a = [0.0f32, 1.0, 0.5, 0.999999];
    for (bits, want) in [
        (25u32, [0u32, 33554432, 16777216, 33554398]),
        (31, [0, 2147483648, 1073741824, 2147481472]),
        (32, [0, 0, 2147483648, 4294962944]),
    ] {
        for dtype in [Dtype::U32, Dtype::Packed] {
            let p = Params::new(dtype, 0.0, 1.0).with_bits(bits);
            let wire = imgpack::encode_to_vec(Input::F32(&a), Shape::new(1, 4), &p).unwrap();
            let f = imgpack::decode(&wire).unwrap();
            let got: Vec<u32> = f.data().levels().unwrap().collect();
            let mask = if bits == 32 {
                u32::MAX
            } else {
                (1 << bits) - 1
            };
            let want: Vec<u32> = want
                .iter()
                .map(|&v| if dtype == Dtype::Packed { v & mask } else { v })
                .collect();
            assert_eq!(got, want, "{dtype:?} {bits}");
        }
    }
}

#[test]
fn bits_must_fit_the_dtype() {
    let s = Shape::new(1, 1);
    for (dtype, max) in [
        (Dtype::Packed, 32),
        (Dtype::U8, 8),
        (Dtype::U16, 16),
        (Dtype::U32, 32),
    ] {
        for bits in [0, max + 1] {
            let p = Params::new(dtype, 0.0, 1.0).with_bits(bits);
            assert_eq!(
                imgpack::encode_to_vec(Input::F32(&[0.5]), s, &p).unwrap_err(),
                Error::BitsOutOfRange { bits, max }
            );
        }
    }
    // imgpack's default bits (12) does not fit uint8, as in imgpack.
    assert!(imgpack::encoded_len(s, &Params::new(Dtype::U8, 0.0, 1.0)).is_err());
}
