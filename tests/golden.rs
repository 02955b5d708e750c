//! Golden vectors made by NumPy, with the reference code of docs/FORMATS.md (`tests/golden/gen.py`).

mod common;

use common::{f32s, f64s, golden_bytes, i16s};
use framewire::quant::{self, ComplexPart, Samples};
use framewire::vcbn::{self, Dtype, Params};
use framewire::{json, sac, Shape};
use serde_json::Value;

fn cases(rel: &str) -> Vec<Value> {
    serde_json::from_slice::<Vec<Value>>(&golden_bytes(rel)).unwrap()
}

fn bits(v: &Value) -> f64 {
    let s = v.as_str().unwrap().trim_start_matches("0x");
    f64::from_bits(u64::from_str_radix(s, 16).unwrap())
}

/// Compares byte strings, reporting the first difference instead of both dumps.
#[track_caller]
fn same_bytes(got: &[u8], want: &[u8], ctx: &str) {
    if got == want {
        return;
    }
    let i = got
        .iter()
        .zip(want)
        .position(|(a, b)| a != b)
        .unwrap_or(got.len().min(want.len()));
    let lo = i.saturating_sub(16);
    panic!(
        "{ctx}: lengths {} vs {}, first difference at byte {i}\n got: {:?}\nwant: {:?}\n got text: {}\nwant text: {}",
        got.len(),
        want.len(),
        &got[lo..(i + 16).min(got.len())],
        &want[lo..(i + 16).min(want.len())],
        String::from_utf8_lossy(&got[lo..(i + 32).min(got.len())]),
        String::from_utf8_lossy(&want[lo..(i + 32).min(want.len())]),
    );
}

fn u16s(bytes: &[u8]) -> Vec<u16> {
    bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect()
}

/// The reference 2x3 sample (docs/FORMATS.md §2.5): a 2x3 sample, byte for byte.
#[test]
fn seed_sac_sample_byte_for_byte() {
    let expected = golden_bytes("sample.sac");
    // The hex is the reference encoder's struct.pack('<4sBBBBIIII', ...) + payloads.
    assert_eq!(expected.len(), 24 + 12 + 12);
    let a = [0i16, 1, -1, 2, -2, 3];
    let b = [5i16, -5, 4, -4, 0, 1];
    let mut out = vec![0u8; sac::encoded_len(6, 6).unwrap()];
    let n = sac::encode(&a, &b, Shape::new(2, 3), &mut out).unwrap();
    same_bytes(&out[..n], &expected, "sample.sac");

    let f = sac::decode(&expected).unwrap();
    assert_eq!((f.width(), f.height()), (3, 2));
    assert_eq!(f.shape(), Shape::new(2, 3));
    assert_eq!(f.a_iter().take(3).collect::<Vec<_>>(), [0, 1, -1]);
    assert_eq!(f.b_iter().take(3).collect::<Vec<_>>(), [5, -5, 4]);
    assert_eq!(f.flags(), 0);
}

#[test]
fn sac_cases_match_build_sac() {
    for c in cases("sac/cases.json") {
        let name = c["name"].as_str().unwrap();
        let a = i16s(&golden_bytes(&format!("sac/{name}.a.i16")));
        let b = i16s(&golden_bytes(&format!("sac/{name}.b.i16")));
        let shape = Shape::new(c["height"].as_u64().unwrap(), c["width"].as_u64().unwrap());
        let expected = golden_bytes(&format!("sac/{name}.sac"));
        let mut out = vec![0u8; sac::encoded_len(a.len(), b.len()).unwrap()];
        let n = sac::encode(&a, &b, shape, &mut out).unwrap();
        same_bytes(&out[..n], &expected, name);

        let f = sac::decode(&expected).unwrap();
        assert_eq!(f.header().length_a() as usize, a.len(), "{name}");
        assert_eq!(f.a_iter().collect::<Vec<_>>(), a, "{name}");
        assert_eq!(f.b_iter().collect::<Vec<_>>(), b, "{name}");
        let mut back = vec![0i16; b.len()];
        f.copy_b_to(&mut back).unwrap();
        assert_eq!(back, b, "{name}");
    }
}

fn load_input(c: &Value) -> (Vec<f32>, Vec<f64>) {
    let name = c["name"].as_str().unwrap();
    let raw = golden_bytes(&format!("vcbn/{name}.in"));
    match c["kind"].as_str().unwrap() {
        "f32" => (f32s(&raw), vec![]),
        "f64" => (vec![], f64s(&raw)),
        k => panic!("kind {k}"),
    }
}

#[test]
fn vcbn_envelopes_byte_identical_to_numpy() {
    let all = cases("vcbn/cases.json");
    assert!(all.len() >= 30);
    let mut parities = [0; 2];
    for c in &all {
        let name = c["name"].as_str().unwrap();
        let expected = golden_bytes(&format!("vcbn/{name}.vcbn"));
        let dtype = match c["dtype"].as_str().unwrap() {
            "uint8" => Dtype::U8,
            _ => Dtype::U16,
        };
        let shape = c["shape"].as_array().unwrap();
        let shape = Shape::new(shape[0].as_u64().unwrap(), shape[1].as_u64().unwrap());
        let params = Params::new(dtype, bits(&c["vmin"]), bits(&c["vmax"]));
        let (f32_in, f64_in) = load_input(c);
        let samples = if f64_in.is_empty() {
            Samples::F32(&f32_in)
        } else {
            Samples::F64(&f64_in)
        };
        let len = vcbn::encoded_len(shape, &params).unwrap();
        assert_eq!(len, expected.len(), "{name}: encoded_len");
        let mut out = vec![0u8; len];
        let n = vcbn::encode(samples, shape, &params, &mut out).unwrap();
        // Alias cases were written with another magic; the rest is identical.
        same_bytes(&out[4..n], &expected[4..], name);
        if c["magic"] == "VCBN" {
            same_bytes(&out[..n], &expected, name);
        }

        let f = vcbn::decode(&expected).unwrap();
        let h = f.header();
        assert_eq!(h.magic().as_str(), c["magic"].as_str().unwrap(), "{name}");
        assert_eq!(h.json_len() as u64, c["header_len"].as_u64().unwrap());
        parities[(h.json_len() % 2) as usize] += 1;
        assert_eq!(h.dtype(), dtype);
        assert_eq!(h.shape(), shape);
        assert_eq!(h.vmin().to_bits(), params.vmin().to_bits(), "{name}: vmin");
        assert_eq!(h.vmax().to_bits(), params.vmax().to_bits(), "{name}: vmax");
        assert_eq!(h.resolution(), dtype.resolution());
        same_bytes(
            f.blob().as_bytes(),
            &expected[h.blob_offset() as usize..],
            name,
        );
    }
    assert!(
        parities[0] > 0 && parities[1] > 0,
        "both header parities covered: {parities:?}"
    );
}

#[test]
fn quantize_matches_numpy_on_random_bit_patterns() {
    let src = f32s(&golden_bytes("quant/input.f32"));
    let nan_count = src.iter().filter(|x| x.is_nan()).count();
    assert!(nan_count > 5, "input holds NaN payloads");
    for c in cases("quant/cases.json") {
        let name = c["name"].as_str().unwrap();
        let expected = golden_bytes(&format!("quant/{name}.bin"));
        let (lo, hi) = (bits(&c["vmin"]), bits(&c["vmax"]));
        if c["dtype"] == "uint8" {
            let mut q = vec![0u8; src.len()];
            quant::quantize_u8(&src, lo, hi, &mut q).unwrap();
            same_bytes(&q, &expected, name);
        } else {
            let mut q = vec![0u16; src.len()];
            quant::quantize_u16(&src, lo, hi, &mut q).unwrap();
            let got: Vec<u8> = q.iter().flat_map(|v| v.to_le_bytes()).collect();
            same_bytes(&got, &expected, name);
        }
    }
}

#[test]
fn complex_input_matches_numpy() {
    let z = f32s(&golden_bytes("vcbn/complex.in"));
    let mut q = vec![0u16; z.len() / 2];
    quant::quantize_complex_u16(&z, ComplexPart::Real, -2.0, 2.0, &mut q).unwrap();
    assert_eq!(q, u16s(&golden_bytes("vcbn/complex_real_u16.levels")));
    quant::quantize_complex_u16(&z, ComplexPart::Magnitude, 0.0, 3.0, &mut q).unwrap();
    assert_eq!(q, u16s(&golden_bytes("vcbn/complex_mag_u16.levels")));
}

#[test]
fn float_writer_matches_python_json_dumps() {
    let text = String::from_utf8(golden_bytes("floats.txt")).unwrap();
    let mut n = 0;
    let mut s = String::new();
    for line in text.lines() {
        let (hex, want) = line.split_once(' ').unwrap();
        let x = f64::from_bits(u64::from_str_radix(hex.trim_start_matches("0x"), 16).unwrap());
        s.clear();
        json::write_f64(&mut s, x).unwrap();
        assert_eq!(s, want, "bits {hex}");
        // And the reader reads Python's text back to the same double.
        let mut r = json::Reader::new(want, 4);
        match r.next().unwrap().unwrap().token {
            json::Token::Number(num) => assert_eq!(num.to_f64().to_bits(), x.to_bits(), "{want}"),
            t => panic!("{t:?}"),
        }
        n += 1;
    }
    assert!(n >= 10_000, "{n} doubles");
}
