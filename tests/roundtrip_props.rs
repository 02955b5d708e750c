//! Property tests: encode/decode round trips for SAC and VCBN, strict
//! prefixes and trailing bytes, the dequantization error bound, and liberal
//! decoding of headers written in every way docs/FORMATS.md allows.

mod common;

use framewire::quant::{self, Samples};
use framewire::vcbn::{self, Dtype, Endianness, Levels, Limits, Magic, Order, Params};
use framewire::{json, sac, Error, Shape};
use proptest::prelude::*;

// ---------------------------------------------------------------------------
// helpers

fn f64_text(x: f64) -> String {
    let mut s = String::new();
    json::write_f64(&mut s, x).unwrap();
    s
}

/// The Python reference SAC encoder (docs/FORMATS.md §2.6), written independently:
/// `struct.pack('<4sBBBBIIII', b'SAC1', 0, 1, 2, 0, la, lb, w, h) + a + b`.
fn build_sac(a: &[i16], b: &[i16], w: u32, h: u32) -> Vec<u8> {
    let payload: Vec<u8> = a.iter().chain(b).flat_map(|x| x.to_le_bytes()).collect();
    common::sac_raw(a.len() as u32, b.len() as u32, w, h, &payload)
}

/// The shape of a SAC header's `width` and `height` fields.
fn sac_shape(w: u32, h: u32) -> Shape {
    Shape::new(u64::from(h), u64::from(w))
}

/// The canonical header JSON of docs/FORMATS.md §3, written independently of the
/// encoder (floats through `json::write_f64`, which `json_reader.rs` checks
/// against Python).
fn canonical_json(dtype: Dtype, shape: [usize; 2], vmin: f64, vmax: f64) -> String {
    let blob = (shape[0] * shape[1]) as u64 * dtype.size();
    format!(
        r#"{{"fmt":"vcbin","version":1,"dtype":"{}","endianness":"LE","shape":[{},{}],"order":"C","size":{},"resolution":{},"vmin":{},"vmax":{}}}"#,
        dtype.name(),
        shape[0],
        shape[1],
        f64_text(blob as f64 / 1_048_576.0),
        dtype.resolution(),
        f64_text(vmin),
        f64_text(vmax)
    )
}

/// Quantizes with the public kernels into little-endian blob bytes.
fn reference_blob(samples: &[f32], dtype: Dtype, vmin: f64, vmax: f64) -> Vec<u8> {
    match dtype {
        Dtype::U8 => {
            let mut q = vec![0u8; samples.len()];
            quant::quantize_u8(samples, vmin, vmax, &mut q).unwrap();
            q
        }
        Dtype::U16 => {
            let mut q = vec![0u16; samples.len()];
            quant::quantize_u16(samples, vmin, vmax, &mut q).unwrap();
            q.iter().flat_map(|v| v.to_le_bytes()).collect()
        }
    }
}

fn encode_vcbn(samples: Samples<'_>, shape: [usize; 2], p: &Params) -> Vec<u8> {
    let shape = Shape::from(shape);
    let len = vcbn::encoded_len(shape, p).unwrap();
    let mut buf = vec![0xEEu8; len + 7];
    let n = vcbn::encode(samples, shape, p, &mut buf).unwrap();
    assert_eq!(n, len);
    // Nothing is written past the envelope.
    assert!(buf[n..].iter().all(|&b| b == 0xEE));
    buf.truncate(n);
    buf
}

// ---------------------------------------------------------------------------
// strategies

/// (a, b, width, height): both lengths equal width*height, or the shape is
/// unknown (width or height 0) and the lengths are arbitrary.
fn sac_case() -> impl Strategy<Value = (Vec<i16>, Vec<i16>, u32, u32)> {
    let consistent = (1u32..9, 1u32..9).prop_flat_map(|(w, h)| {
        let n = (w * h) as usize;
        (
            prop::collection::vec(any::<i16>(), n),
            prop::collection::vec(any::<i16>(), n),
            Just(w),
            Just(h),
        )
    });
    let unknown = (
        prop::collection::vec(any::<i16>(), 0..40),
        prop::collection::vec(any::<i16>(), 0..40),
        prop_oneof![
            Just((0u32, 0u32)),
            (1u32..=u32::MAX).prop_map(|w| (w, 0)),
            (1u32..=u32::MAX).prop_map(|h| (0, h)),
        ],
    )
        .prop_map(|(a, b, (w, h))| (a, b, w, h));
    prop_oneof![consistent, unknown]
}

/// Any finite f64, with extra weight on ordinary ranges and on equal ends.
fn finite_f64() -> impl Strategy<Value = f64> {
    use prop::num::f64 as f;
    prop_oneof![
        3 => f::POSITIVE | f::NEGATIVE | f::NORMAL | f::SUBNORMAL | f::ZERO,
        3 => -10.0f64..10.0,
        1 => (-5i32..5).prop_map(f64::from),
        1 => prop::num::f32::NORMAL.prop_map(f64::from),
    ]
}

fn range() -> impl Strategy<Value = (f64, f64)> {
    prop_oneof![
        4 => (finite_f64(), finite_f64()),
        1 => finite_f64().prop_map(|v| (v, v)),
        1 => Just((0.0, 1.0)),
    ]
}

fn dtype() -> impl Strategy<Value = Dtype> {
    prop_oneof![Just(Dtype::U8), Just(Dtype::U16)]
}

/// (shape, samples from any bit pattern)
fn image() -> impl Strategy<Value = ([usize; 2], Vec<f32>)> {
    (0usize..6, 0usize..6).prop_flat_map(|(h, w)| {
        (
            Just([h, w]),
            prop::collection::vec(prop::num::f32::ANY, h * w),
        )
    })
}

// ---------------------------------------------------------------------------
// SAC

proptest! {
    #[test]
    fn sac_round_trip((a, b, w, h) in sac_case()) {
        let len = sac::encoded_len(a.len(), b.len()).unwrap();
        prop_assert_eq!(len, 24 + 2 * a.len() + 2 * b.len());
        let mut buf = vec![0xEEu8; len + 3];
        let n = sac::encode(&a, &b, sac_shape(w, h), &mut buf).unwrap();
        prop_assert_eq!(n, len);
        prop_assert!(buf[n..].iter().all(|&x| x == 0xEE));
        let bytes = &buf[..n];
        prop_assert_eq!(bytes, &build_sac(&a, &b, w, h)[..]);

        let f = sac::decode(bytes).unwrap();
        prop_assert_eq!((f.width(), f.height()), (w, h));
        prop_assert_eq!(f.shape(), sac_shape(w, h));
        prop_assert_eq!(f.flags(), 0);
        prop_assert_eq!(f.header().reserved, 0);
        prop_assert_eq!(f.header().length_a() as usize, a.len());
        prop_assert_eq!(f.header().length_b() as usize, b.len());
        prop_assert_eq!(f.header().frame_len(), n as u64);
        prop_assert_eq!(f.a_iter().collect::<Vec<_>>(), a.clone());
        prop_assert_eq!(f.b_iter().collect::<Vec<_>>(), b.clone());
        prop_assert_eq!(f.a_iter().rev().collect::<Vec<_>>(), a.iter().rev().copied().collect::<Vec<_>>());
        let (mut ca, mut cb) = (vec![0i16; a.len()], vec![0i16; b.len()]);
        f.copy_a_to(&mut ca).unwrap();
        f.copy_b_to(&mut cb).unwrap();
        prop_assert_eq!(&ca, &a);
        prop_assert_eq!(&cb, &b);
        prop_assert_eq!(f.a_bytes(), &bytes[24..24 + 2 * a.len()]);
        prop_assert_eq!(f.b_bytes(), &bytes[24 + 2 * a.len()..]);
        if let Some(native) = f.a_native() {
            prop_assert_eq!(native, &a[..]);
        }
        // Header::new agrees with what the encoder wrote.
        let header = sac::Header::new(a.len(), b.len(), sac_shape(w, h)).unwrap();
        prop_assert_eq!(&header.to_bytes()[..], &bytes[..24]);

        // Every strict prefix is truncated; one more byte is trailing.
        for k in 0..n {
            let needed = if k < 24 { 24 } else { n as u64 };
            prop_assert_eq!(
                sac::decode(&bytes[..k]).unwrap_err(),
                Error::Truncated { needed, available: k as u64 }
            );
        }
        let mut longer = bytes.to_vec();
        longer.push(0);
        prop_assert_eq!(
            sac::decode(&longer).unwrap_err(),
            Error::TrailingBytes { expected: n as u64, actual: n as u64 + 1 }
        );
    }

    #[test]
    fn sac_inconsistent_shape_is_refused(
        w in 1u32..20,
        h in 1u32..20,
        la in 0usize..500,
        lb in 0usize..500,
    ) {
        let area = (w * h) as usize;
        prop_assume!(la != area || lb != area);
        let (a, b) = (vec![1i16; la], vec![2i16; lb]);
        let want = Error::ShapeMismatch {
            width: w,
            height: h,
            length_a: la as u64,
            length_b: lb as u64,
        };
        let mut buf = vec![0u8; 24 + 2 * (la + lb)];
        prop_assert_eq!(sac::encode(&a, &b, sac_shape(w, h), &mut buf).unwrap_err(), want);
        #[cfg(feature = "alloc")]
        prop_assert_eq!(sac::encode_to_vec(&a, &b, sac_shape(w, h)), Err(want));
        // The same file with the shape forced into the header is refused on decode.
        prop_assert_eq!(sac::decode(&build_sac(&a, &b, w, h)).unwrap_err(), want);
    }
}

// ---------------------------------------------------------------------------
// VCBN

proptest! {
    #[test]
    fn vcbn_round_trip(([h, w], samples) in image(), (vmin, vmax) in range(), dtype in dtype()) {
        let p = Params::new(dtype, vmin, vmax);
        let bytes = encode_vcbn(samples[..].into(), [h, w], &p);
        let n = bytes.len();

        // The exact canonical bytes.
        let json = canonical_json(dtype, [h, w], vmin, vmax);
        let blob = reference_blob(&samples, dtype, vmin, vmax);
        prop_assert_eq!(&bytes, &common::vcbn_env(&json, &blob));
        let enc = vcbn::Encoder::new(Shape::from([h, w]), p).unwrap();
        let head = enc.blob_offset();
        prop_assert_eq!(head, n - blob.len());
        prop_assert_eq!(head % 2, 0, "the blob starts on a 2-byte boundary");
        prop_assert_eq!(enc.json_len() as usize, json.len());
        prop_assert_eq!(head as u64, common::blob_offset(json.len()));

        // Decode: every field back.
        let f = vcbn::decode(&bytes).unwrap();
        let hd = f.header();
        prop_assert_eq!(hd.magic(), Magic::Vcbn);
        prop_assert_eq!(hd.version(), 1);
        prop_assert_eq!(hd.dtype(), dtype);
        prop_assert_eq!(hd.shape(), Shape::from([h, w]));
        prop_assert_eq!(hd.endianness(), Endianness::Little);
        prop_assert_eq!(hd.order(), Order::C);
        prop_assert_eq!(hd.resolution(), dtype.resolution());
        prop_assert_eq!(hd.vmin().to_bits(), vmin.to_bits());
        prop_assert_eq!(hd.vmax().to_bits(), vmax.to_bits());
        prop_assert_eq!(hd.json_len() as usize, json.len());
        prop_assert_eq!(hd.elements(), (h * w) as u64);
        prop_assert_eq!(hd.blob_len(), blob.len() as u64);
        prop_assert_eq!(hd.frame_len(), n as u64);
        prop_assert_eq!(f.json(), json.as_str());
        prop_assert_eq!(f.blob().as_bytes(), &blob[..]);
        prop_assert_eq!(f.blob().dtype(), dtype);
        let mut levels = vec![0u16; h * w];
        f.blob().copy_to_u16(&mut levels).unwrap();
        prop_assert_eq!(f.blob().iter().collect::<Vec<_>>(), levels.clone());

        // decode -> encode_levels gives the same bytes.
        let mut again = vec![0u8; n];
        let m = vcbn::encode_levels(Levels::Blob(f.blob()), hd.shape(), hd.vmin(), hd.vmax(), &mut again).unwrap();
        prop_assert_eq!(m, n);
        prop_assert_eq!(&again, &bytes);

        // f64 samples are rounded to f32 first, as NumPy's asarray(float32).
        let wide: Vec<f64> = samples.iter().map(|&x| f64::from(x)).collect();
        prop_assert_eq!(&encode_vcbn(wide[..].into(), [h, w], &p), &bytes);

        // Every strict prefix is truncated, with the right `needed`.
        let blob_offset = (n - blob.len()) as u64;
        for k in 0..n {
            let needed = if k < 9 {
                9
            } else if (k as u64) < blob_offset {
                blob_offset
            } else {
                n as u64
            };
            prop_assert_eq!(
                vcbn::decode(&bytes[..k]).unwrap_err(),
                Error::Truncated { needed, available: k as u64 },
                "prefix {}", k
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        prop_assert_eq!(
            vcbn::decode(&longer).unwrap_err(),
            Error::TrailingBytes { expected: n as u64, actual: n as u64 + 1 }
        );
    }
}

// ---------------------------------------------------------------------------
// encode_to_vec and take_from_bytes

/// The `needed` of `Error::Truncated` for a strict prefix of `k` bytes of a
/// frame of `n` bytes whose payload starts at `payload` (after a fixed part
/// of `fixed` bytes).
fn truncated_needed(k: usize, fixed: u64, payload: u64, n: usize) -> u64 {
    if (k as u64) < fixed {
        fixed
    } else if (k as u64) < payload {
        payload
    } else {
        n as u64
    }
}

proptest! {
    /// `sac::encode_to_vec` is `sac::encode`; `sac::take_from_bytes` over two
    /// frames back to back returns the first and exactly the second's bytes;
    /// every strict prefix of a frame is `Truncated`.
    #[test]
    fn sac_encode_to_vec_and_take_from_bytes(
        (a, b, w, h) in sac_case(),
        (a2, b2, w2, h2) in sac_case(),
    ) {
        let one = |a: &[i16], b: &[i16], shape: Shape| {
            let mut buf = vec![0u8; sac::encoded_len(a.len(), b.len()).unwrap()];
            let n = sac::encode(a, b, shape, &mut buf).unwrap();
            buf.truncate(n);
            buf
        };
        let first = one(&a, &b, sac_shape(w, h));
        let second = one(&a2, &b2, sac_shape(w2, h2));
        #[cfg(feature = "alloc")]
        {
            prop_assert_eq!(&sac::encode_to_vec(&a, &b, sac_shape(w, h)).unwrap(), &first);
            prop_assert_eq!(&sac::encode_to_vec(&a2, &b2, sac_shape(w2, h2)).unwrap(), &second);
        }

        let two = [&first[..], &second[..]].concat();
        let (f, rest) = sac::take_from_bytes(&two).unwrap();
        prop_assert_eq!(f, sac::decode(&first).unwrap());
        prop_assert_eq!(rest, &second[..]);
        let (g, rest) = sac::take_from_bytes(rest).unwrap();
        prop_assert_eq!(g, sac::decode(&second).unwrap());
        prop_assert!(rest.is_empty());
        let (f, rest) = sac::take_from_bytes(&first).unwrap();
        prop_assert_eq!(f, sac::decode(&first).unwrap());
        prop_assert!(rest.is_empty());

        for k in 0..first.len() {
            prop_assert_eq!(
                sac::take_from_bytes(&first[..k]).unwrap_err(),
                Error::Truncated {
                    needed: truncated_needed(k, 24, 24, first.len()),
                    available: k as u64,
                },
                "prefix {}", k
            );
        }
    }

    /// The same for VCBN: `vcbn::encode_to_vec` is `vcbn::encode`, and
    /// `vcbn::take_from_bytes` splits two frames exactly and calls every
    /// strict prefix `Truncated`.
    #[test]
    fn vcbn_encode_to_vec_and_take_from_bytes(
        ([h, w], samples) in image(),
        ([h2, w2], samples2) in image(),
        (vmin, vmax) in range(),
        dtype in dtype(),
        dtype2 in dtype(),
    ) {
        let p = Params::new(dtype, vmin, vmax);
        let p2 = Params::new(dtype2, -1.0, 1.0);
        let first = encode_vcbn(samples[..].into(), [h, w], &p);
        let second = encode_vcbn(samples2[..].into(), [h2, w2], &p2);
        #[cfg(feature = "alloc")]
        {
            let v = vcbn::encode_to_vec(samples[..].into(), Shape::from([h, w]), &p).unwrap();
            prop_assert_eq!(&v, &first);
            let v = vcbn::encode_to_vec(samples2[..].into(), Shape::from([h2, w2]), &p2).unwrap();
            prop_assert_eq!(&v, &second);
            // Errors too: a sample count that is not H*W.
            let short = vcbn::encode_to_vec(samples[..].into(), Shape::from([h, w + 1]), &p);
            let mut buf = vec![0u8; vcbn::encoded_len(Shape::from([h, w + 1]), &p).unwrap()];
            let want = vcbn::encode(samples[..].into(), Shape::from([h, w + 1]), &p, &mut buf);
            prop_assert_eq!(short.map(|_| ()), want.map(|_| ()));
        }

        let lim = Limits::DEFAULT;
        let two = [&first[..], &second[..]].concat();
        let (f, rest) = vcbn::take_from_bytes(&two, &lim).unwrap();
        prop_assert_eq!(f, vcbn::decode(&first).unwrap());
        prop_assert_eq!(rest, &second[..]);
        let (g, rest) = vcbn::take_from_bytes(rest, &lim).unwrap();
        prop_assert_eq!(g, vcbn::decode(&second).unwrap());
        prop_assert!(rest.is_empty());

        let blob_offset = f.header().blob_offset();
        for k in 0..first.len() {
            prop_assert_eq!(
                vcbn::take_from_bytes(&first[..k], &lim).unwrap_err(),
                Error::Truncated {
                    needed: truncated_needed(k, 9, blob_offset, first.len()),
                    available: k as u64,
                },
                "prefix {}", k
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Dequantization error bound
//
// docs/FORMATS.md §4: for a finite x in [vmin, vmax], |x' - x| <= (vmax - vmin) / resolution.
// That is exact for exact arithmetic: with v = (x - vmin) * res / denom in
// [0, res] and q = trunc(v), 0 <= v - q < 1, so |x' - x| = (v - q) * step < step.
// The quantizer works in f32, which moves the computed v' away from v by, in
// value terms (u = 2^-24, the f32 unit roundoff):
//   - vmin rounded to f32:              <= u * |vmin|
//   - the f32 subtraction x - vmin:     <= u * (|x| + |vmin|) (plus u^2 terms)
//   - resolution/denom rounded to f32:  <= (u + 2^-53) * |x - vmin|
//   - the f32 multiplication:           <= u * |x - vmin|
// Truncating (and clamping to [0, res], which only moves v' towards v because
// v is in [0, res]) keeps |q - v| * step < step + those. The dequantizer then
// computes vmin + q * step in f64 (error ~2^-52 * (|vmin| + |vmax|)) and rounds
// to f32 (<= u * max(|vmin|, |vmax|), as x' lies in [vmin, vmax]). All of this
// is below 6u * (|x| + |vmin| + |vmax|); the test allows 8u * (...) for slack.
// The relative-error model needs normal f32 numbers and a finite f32 scale, so
// the strategy keeps |vmin|, |vmax| in [1e-30, 1e30] (or 0) and the span no
// smaller than 1e-6 of the larger end and 1e-30 (scale = res/denom < 4.1e33).

fn bounded_range() -> impl Strategy<Value = (f64, f64)> {
    (
        -30i32..30,
        -1.0f64..1.0,
        -6i32..2,
        1.0f64..10.0,
        any::<bool>(),
    )
        .prop_map(|(e, m, k, s, f32_ends)| {
            let scale = 10f64.powi(e);
            let vmin = m * scale;
            let span = s * 10f64.powi(e + k);
            let vmax = vmin + span;
            if f32_ends {
                (f64::from(vmin as f32), f64::from(vmax as f32))
            } else {
                (vmin, vmax)
            }
        })
        .prop_filter("sane range", |&(vmin, vmax)| {
            let big = vmin.abs().max(vmax.abs());
            let ok_end = |v: f64| v == 0.0 || (1e-30..=1e30).contains(&v.abs());
            let denom = vmax - vmin;
            ok_end(vmin) && ok_end(vmax) && denom >= 1e-6 * big && denom >= 1e-30
        })
}

proptest! {
    #[test]
    fn dequantize_error_bound(
        (vmin, vmax) in bounded_range(),
        ts in prop::collection::vec(0.0f64..=1.0, 1..40),
        dtype in dtype(),
    ) {
        // Samples inside [vmin, vmax] (as f32, checked in f64), plus the ends.
        let mut xs: Vec<f32> = ts.iter().map(|t| (vmin + t * (vmax - vmin)) as f32).collect();
        xs.push(vmin as f32);
        xs.push(vmax as f32);
        xs.retain(|&x| (vmin..=vmax).contains(&f64::from(x)));
        prop_assume!(!xs.is_empty());

        let res = f64::from(dtype.resolution());
        let step = (vmax - vmin) / res;
        let u = f64::from(f32::EPSILON) / 2.0;

        let p = Params::new(dtype, vmin, vmax);
        let bytes = encode_vcbn(xs[..].into(), [1, xs.len()], &p);
        let f = vcbn::decode(&bytes).unwrap();
        let mut back = vec![0f32; xs.len()];
        f.dequantize_into(&mut back).unwrap();

        // The free functions give the same values.
        let mut back2 = vec![0f32; xs.len()];
        match dtype {
            Dtype::U8 => {
                let levels: Vec<u8> = f.blob().as_bytes().to_vec();
                quant::dequantize_u8(&levels, vmin, vmax, &mut back2).unwrap();
            }
            Dtype::U16 => {
                let levels: Vec<u16> = f.blob().iter().collect();
                quant::dequantize_u16(&levels, vmin, vmax, &mut back2).unwrap();
            }
        }
        prop_assert_eq!(&back, &back2);

        for (&x, &y) in xs.iter().zip(&back) {
            let (x, y) = (f64::from(x), f64::from(y));
            let allowance = 8.0 * u * (x.abs() + vmin.abs() + vmax.abs());
            prop_assert!(
                (y - x).abs() <= step + allowance,
                "x {x:e} -> {y:e}: error {:e} > step {step:e} + {allowance:e} (range {vmin:e}..{vmax:e})",
                (y - x).abs()
            );
            // The value is inside the range, up to the final f32 rounding.
            prop_assert!(y >= vmin - allowance && y <= vmax + allowance);
        }
    }
}

// ---------------------------------------------------------------------------
// Liberal decoding

const WS: [&str; 6] = ["", " ", "\t", "\n", "\r\n", "  \n\t "];

/// An integer in one of several JSON forms.
fn int_text(n: u64, form: u8) -> String {
    let s = n.to_string();
    match form % 6 {
        0 => s,
        1 => format!("{s}.0"),
        2 if s.len() == 1 => format!("{s}e0"),
        2 => format!("{}.{}e{}", &s[..1], &s[1..], s.len() - 1),
        3 if n == 0 => "0.0e-1".to_string(),
        3 => format!("{s}0e-1"),
        4 => format!("{s}.000E+0"),
        _ => format!("{s}E00"),
    }
}

/// A finite f64 in one of several JSON forms, all exact.
fn float_text(x: f64, form: u8) -> String {
    match form % 6 {
        0 => f64_text(x),
        1 => format!("{x:?}"),
        2 => format!("{x:e}"),
        3 => format!("{x:E}"),
        4 => format!("{x:.17e}"),
        _ => format!("{x}"),
    }
}

/// A JSON key, optionally with its first character as a \u escape.
fn key_text(k: &str, escape: bool) -> String {
    if escape {
        let mut c = k.chars();
        let first = c.next().unwrap();
        format!("\"\\u{:04x}{}\"", first as u32, c.as_str())
    } else {
        format!("\"{k}\"")
    }
}

/// Arbitrary JSON values for unknown keys.
fn json_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        Just("false".to_string()),
        Just("NaN".to_string()),
        Just("-Infinity".to_string()),
        any::<i64>().prop_map(|v| v.to_string()),
        finite_f64().prop_map(|v| format!("{v:e}")),
        any::<String>().prop_map(|s| serde_json::to_string(&s).unwrap()),
        Just(r#""\ud83d\ude00 \u00e9 \n \" \\ \/ ]}""#.to_string()),
    ];
    leaf.prop_recursive(4, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec(("[a-z]{0,4}", inner), 0..5).prop_map(|v| {
                let body: Vec<String> = v.iter().map(|(k, x)| format!("\"{k}\":{x}")).collect();
                format!("{{{}}}", body.join(","))
            }),
        ]
    })
}

fn unknown_key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("fmt".to_string()),
        Just("version".to_string()),
        Just("size".to_string()),
        "[a-zA-Z_]{1,10}",
    ]
    .prop_filter("not a key the decoder interprets", |k| {
        ![
            "dtype",
            "shape",
            "endianness",
            "order",
            "resolution",
            "vmin",
            "vmax",
        ]
        .contains(&k.as_str())
    })
}

#[derive(Debug, Clone)]
struct Liberal {
    dtype: Dtype,
    shape: [usize; 2],
    seed_levels: Vec<u16>,
    vmin: Option<f64>,
    vmax: Option<f64>,
    resolution: Option<u32>,
    big_endian: bool,
    order: Option<Order>,
    explicit_le: bool,
    magic: [u8; 4],
    version: u8,
    int_forms: [u8; 4],
    float_forms: [u8; 2],
    escapes: [bool; 8],
    unknown: Vec<(String, String)>,
    sort_keys: Vec<u32>,
    ws: Vec<usize>,
}

fn liberal() -> impl Strategy<Value = Liberal> {
    (
        (
            dtype(),
            0usize..5,
            0usize..5,
            prop::collection::vec(any::<u16>(), 16),
        ),
        (
            prop::option::of(finite_f64()),
            prop::option::of(finite_f64()),
            prop::option::of(prop_oneof![Just(0u32), 1u32..=65535]),
        ),
        (
            any::<bool>(),
            prop::option::of(prop_oneof![Just(Order::C), Just(Order::F)]),
            any::<bool>(),
            prop_oneof![Just(*b"VCBN"), Just(*b"IMPK"), Just(*b"CBIN")],
            1u8..=255,
        ),
        (any::<[u8; 4]>(), any::<[u8; 2]>(), any::<[bool; 8]>()),
        (
            prop::collection::vec((unknown_key(), json_value()), 0..6),
            prop::collection::vec(any::<u32>(), 20),
            prop::collection::vec(0usize..WS.len(), 64),
        ),
    )
        .prop_map(
            |(
                (dtype, h, w, seed_levels),
                (vmin, vmax, resolution),
                (big_endian, order, explicit_le, magic, version),
                (int_forms, float_forms, escapes),
                (unknown, sort_keys, ws),
            )| Liberal {
                dtype,
                shape: [h, w],
                seed_levels,
                vmin,
                vmax,
                // Some(0) stands for "the dtype's default, written explicitly".
                resolution,
                big_endian: big_endian && dtype == Dtype::U16,
                order,
                explicit_le,
                magic,
                version,
                int_forms,
                float_forms,
                escapes,
                unknown,
                sort_keys,
                ws,
            },
        )
}

proptest! {
    #[test]
    fn liberal_headers_decode_to_the_same_levels(c in liberal()) {
        let [h, w] = c.shape;
        let n = h * w;
        let levels: Vec<u16> = (0..n)
            .map(|i| {
                let v = c.seed_levels[i % c.seed_levels.len()].wrapping_add(i as u16);
                if c.dtype == Dtype::U8 { v & 0xff } else { v }
            })
            .collect();
        let blob: Vec<u8> = match (c.dtype, c.big_endian) {
            (Dtype::U8, _) => levels.iter().map(|&v| v as u8).collect(),
            (Dtype::U16, false) => levels.iter().flat_map(|v| v.to_le_bytes()).collect(),
            (Dtype::U16, true) => levels.iter().flat_map(|v| v.to_be_bytes()).collect(),
        };

        let mut ws_i = 0usize;
        let mut ws = || {
            let s = WS[c.ws[ws_i % c.ws.len()]];
            ws_i += 1;
            s
        };

        // The entries, as (key, value text).
        let mut entries: Vec<(String, String)> = Vec::new();
        let key = |k: &str, i: usize| key_text(k, c.escapes[i]);
        entries.push((key("dtype", 0), format!("\"{}\"", c.dtype.name())));
        let shape_text = format!(
            "[{}{}{},{}{}{}]",
            ws(),
            int_text(h as u64, c.int_forms[0]),
            ws(),
            ws(),
            int_text(w as u64, c.int_forms[1]),
            ws()
        );
        entries.push((key("shape", 1), shape_text));
        if c.big_endian {
            entries.push((key("endianness", 2), "\"BE\"".to_string()));
        } else if c.explicit_le {
            entries.push((key("endianness", 2), "\"LE\"".to_string()));
        }
        if let Some(o) = c.order {
            entries.push((key("order", 3), format!("\"{}\"", o.name())));
        }
        let resolution = match c.resolution {
            None => None,
            Some(0) => Some(c.dtype.resolution()),
            Some(r) => Some(r),
        };
        if let Some(r) = resolution {
            entries.push((key("resolution", 4), int_text(u64::from(r), c.int_forms[2])));
        }
        if let Some(v) = c.vmin {
            entries.push((key("vmin", 5), float_text(v, c.float_forms[0])));
        }
        if let Some(v) = c.vmax {
            entries.push((key("vmax", 6), float_text(v, c.float_forms[1])));
        }
        for (k, v) in &c.unknown {
            entries.push((key(k, 7), v.clone()));
        }
        // Shuffle by the generated sort keys.
        let mut order: Vec<usize> = (0..entries.len()).collect();
        order.sort_by_key(|&i| c.sort_keys[i % c.sort_keys.len()].wrapping_add(i as u32));
        let mut json = format!("{}{{", ws());
        for (j, &i) in order.iter().enumerate() {
            if j > 0 {
                json.push(',');
            }
            let (k, v) = &entries[i];
            json.push_str(&format!("{}{}{}:{}{}{}", ws(), k, ws(), ws(), v, ws()));
        }
        json.push_str(&format!("{}}}{}", ws(), ws()));

        let env = common::vcbn_raw(&c.magic, c.version, json.as_bytes(), &blob);
        let f = vcbn::decode(&env).map_err(|e| TestCaseError::fail(format!("{e}\n{json}")))?;
        let hd = f.header();
        prop_assert_eq!(hd.magic().bytes(), c.magic);
        prop_assert_eq!(hd.version(), c.version);
        prop_assert_eq!(hd.dtype(), c.dtype);
        prop_assert_eq!(hd.shape(), Shape::from([h, w]));
        prop_assert_eq!(
            hd.endianness(),
            if c.big_endian { Endianness::Big } else { Endianness::Little }
        );
        prop_assert_eq!(hd.order(), c.order.unwrap_or(Order::C));
        prop_assert_eq!(hd.resolution(), resolution.unwrap_or(c.dtype.resolution()));
        prop_assert_eq!(hd.vmin().to_bits(), c.vmin.unwrap_or(0.0).to_bits());
        prop_assert_eq!(hd.vmax().to_bits(), c.vmax.unwrap_or(1.0).to_bits());
        prop_assert_eq!(f.json(), json.as_str());
        prop_assert_eq!(f.blob().iter().collect::<Vec<_>>(), levels.clone());
        prop_assert_eq!(f.blob().as_bytes(), &blob[..]);

        // Re-encoding the decoded blob gives the canonical envelope, little-endian.
        let (lo, hi) = (hd.vmin(), hd.vmax());
        let canon_levels = match c.dtype {
            Dtype::U8 => levels.iter().map(|&v| v as u8).collect::<Vec<u8>>(),
            Dtype::U16 => Vec::new(),
        };
        let canonical = |lv: Levels<'_>| {
            let mut out = vec![0u8; 4096];
            let m = vcbn::encode_levels(lv, Shape::from([h, w]), lo, hi, &mut out).unwrap();
            out.truncate(m);
            out
        };
        let from_blob = canonical(Levels::Blob(f.blob()));
        let direct = match c.dtype {
            Dtype::U8 => canonical(Levels::U8(&canon_levels)),
            Dtype::U16 => canonical(Levels::U16(&levels)),
        };
        prop_assert_eq!(&from_blob, &direct);
        let le_blob: Vec<u8> = match c.dtype {
            Dtype::U8 => canon_levels.clone(),
            Dtype::U16 => levels.iter().flat_map(|v| v.to_le_bytes()).collect(),
        };
        prop_assert_eq!(
            &from_blob,
            &common::vcbn_env(&canonical_json(c.dtype, [h, w], lo, hi), &le_blob)
        );
    }
}
