//! The vectors in `tests/interop/imgpack/`, written by imgpack's own Python
//! at three commits (see `tests/interop/README.md`): every file decodes to
//! exactly the array imgpack's own decoder returns (`manifest.json`), and
//! every file of the latest layout is re-encoded byte for byte from its
//! input and parameters, one-shot and streamed.

use std::fs;
use std::path::{Path, PathBuf};

use framewire::frame::{self, AnyFrame, Format};
use framewire::imgpack::{self, Data, Dtype, Encoder, Endianness, Input, Params};
use framewire::{vcbn, Shape};
use npyz::NpyFile;
use serde_json::Value;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/imgpack")
}

/// The manifest, with Python's `NaN`/`Infinity` (not JSON) read as strings.
fn manifest() -> Vec<Value> {
    let text = fs::read_to_string(dir().join("manifest.json")).unwrap();
    let text = text
        .replace("-Infinity", "\"-Infinity\"")
        .replace("Infinity", "\"Infinity\"")
        .replace("\"-\"Infinity\"\"", "\"-Infinity\"")
        .replace("NaN", "\"NaN\"");
    let v: Vec<Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(v.len(), 203, "the manifest lists 203 files");
    v
}

fn num(v: &Value) -> f64 {
    match v {
        Value::String(s) if s == "NaN" => f64::NAN,
        Value::String(s) if s == "Infinity" => f64::INFINITY,
        Value::String(s) if s == "-Infinity" => f64::NEG_INFINITY,
        v => v.as_f64().unwrap(),
    }
}

fn same(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b
}

enum Samples {
    F32(Vec<f32>),
    F64(Vec<f64>),
}

fn input(name: &str) -> (Samples, Shape) {
    let bytes = fs::read(dir().join("inputs").join(format!("{name}.npy"))).unwrap();
    let f = NpyFile::new(&bytes[..]).unwrap();
    let shape = Shape::new(f.shape()[0], f.shape()[1]);
    let descr = f.dtype().descr().trim_matches('\'').to_string();
    let s = match descr.as_str() {
        "<f4" => Samples::F32(f.into_vec().unwrap()),
        "<f8" => Samples::F64(f.into_vec().unwrap()),
        other => panic!("input {name}: unexpected dtype {other}"),
    };
    (s, shape)
}

fn params_of(p: &Value) -> Params {
    let dtype = Dtype::from_name(p["dtype"].as_str().unwrap()).unwrap();
    let mut params = Params::new(dtype, num(&p["vmin"]), num(&p["vmax"]));
    if let Some(b) = p.get("bits") {
        params = params.with_bits(b.as_u64().unwrap() as u32);
    }
    if p.get("endianness").and_then(Value::as_str) == Some("BE") {
        params = params.with_endianness(Endianness::Big);
    }
    params
}

#[test]
fn every_vector_decodes_to_its_manifest_array() {
    let mut counts = [0usize; 3];
    for e in manifest() {
        let file = e["file"].as_str().unwrap();
        let bytes = fs::read(dir().join(file)).unwrap();
        let shape: Vec<u64> = e["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        let want: Vec<f64> = e["values"].as_array().unwrap().iter().map(num).collect();
        let want_dtype = e["dtype"].as_str().unwrap();
        match e["variant"].as_str().unwrap() {
            v @ ("cbin" | "impk") => {
                counts[if v == "cbin" { 0 } else { 1 }] += 1;
                let f = vcbn::decode(&bytes).unwrap_or_else(|err| panic!("{file}: {err}"));
                assert_eq!(f.header().magic().as_str(), v.to_uppercase(), "{file}");
                assert_eq!(f.header().dtype().name(), want_dtype, "{file}");
                assert_eq!(f.header().shape().to_array().to_vec(), shape, "{file}");
                let got: Vec<f64> = f.blob().iter().map(f64::from).collect();
                assert_eq!(got, want, "{file}");
                assert_eq!(Format::detect(&bytes), Ok(Format::Vcbn), "{file}");
            }
            "head" => {
                counts[2] += 1;
                let f = imgpack::decode(&bytes).unwrap_or_else(|err| panic!("{file}: {err}"));
                let h = f.header();
                assert_eq!(h.shape().to_array().to_vec(), shape, "{file}");
                assert_eq!(h.format(), Some("imgpack"), "{file}");
                assert_eq!(h.version(), Some(1), "{file}");
                let p = &e["params"];
                assert_eq!(h.dtype().name(), p["dtype"].as_str().unwrap(), "{file}");
                assert!(same(h.vmin(), num(&p["vmin"])), "{file}");
                assert!(same(h.vmax(), num(&p["vmax"])), "{file}");
                let data = f.data();
                let got: Vec<f64> = if h.dtype().is_float() {
                    assert_eq!(h.bits(), None, "{file}");
                    assert_eq!(h.resolution(), None, "{file}");
                    assert_eq!(want_dtype, h.dtype().name(), "{file}");
                    (0..data.len()).map(|i| data.float(i).unwrap()).collect()
                } else {
                    let bits = h.bits().unwrap();
                    assert_eq!(u64::from(bits), p["bits"].as_u64().unwrap(), "{file}");
                    assert_eq!(h.resolution(), Some(1u64 << bits), "{file}");
                    let lb = data.level_bits().unwrap();
                    assert_eq!(format!("uint{lb}"), want_dtype, "{file}");
                    // The three copy-outs agree with the iterator where they fit.
                    let levels: Vec<u32> = data.levels().unwrap().collect();
                    let mut u32s = vec![0u32; data.len()];
                    data.copy_levels_to_u32(&mut u32s).unwrap();
                    assert_eq!(u32s, levels, "{file}");
                    if lb <= 16 {
                        let mut u16s = vec![0u16; data.len()];
                        data.copy_levels_to_u16(&mut u16s).unwrap();
                        assert!(u16s
                            .iter()
                            .map(|&v| u32::from(v))
                            .eq(levels.iter().copied()));
                    }
                    if lb <= 8 {
                        let mut u8s = vec![0u8; data.len()];
                        data.copy_levels_to_u8(&mut u8s).unwrap();
                        assert!(u8s.iter().map(|&v| u32::from(v)).eq(levels.iter().copied()));
                    }
                    levels.into_iter().map(f64::from).collect()
                };
                assert_eq!(got.len(), want.len(), "{file}");
                for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                    assert!(same(*g, *w), "{file}[{i}]: {g} != {w}");
                }
                if h.dtype() == Dtype::F16 {
                    let mut f32s = vec![0f32; data.len()];
                    data.copy_floats_to_f32(&mut f32s).unwrap();
                    assert!(f32s.iter().zip(&want).all(|(&g, &w)| same(f64::from(g), w)));
                }
                assert_eq!(Format::detect(&bytes), Ok(Format::Imgpack), "{file}");
                match frame::decode_any(&bytes).unwrap() {
                    AnyFrame::Imgpack(g) => assert_eq!(g, f, "{file}"),
                    other => panic!("{file}: decode_any gave {:?}", other.format()),
                }
            }
            other => panic!("{file}: unknown variant {other}"),
        }
    }
    assert_eq!(counts, [14, 14, 175]);
}

/// Encodes through the streaming encoder, `piece` samples and `room` output
/// bytes at a time.
fn stream_encode(
    input: Input<'_>,
    shape: Shape,
    params: Params,
    piece: usize,
    room: usize,
) -> Vec<u8> {
    let mut enc = Encoder::new(shape, params).unwrap();
    let mut wire = vec![0u8; enc.blob_offset()];
    enc.write_header(&mut wire).unwrap();
    let mut buf = vec![0u8; room];
    let mut at = 0;
    while at < input.len() {
        let end = (at + piece).min(input.len());
        let mut part = input.sub(at, end).unwrap();
        while !part.is_empty() {
            let (used, written) = enc.encode(part, &mut buf).unwrap();
            wire.extend_from_slice(&buf[..written]);
            part = part.sub(used, part.len()).unwrap();
        }
        at = end;
    }
    let n = enc.finish(&mut buf).unwrap();
    wire.extend_from_slice(&buf[..n]);
    assert_eq!(wire.len() as u64, enc.frame_len());
    wire
}

#[test]
fn every_latest_vector_reencodes_byte_for_byte() {
    let mut checked = 0;
    for e in manifest() {
        if e["variant"] != "head" {
            continue;
        }
        let file = e["file"].as_str().unwrap();
        let want = fs::read(dir().join(file)).unwrap();
        let p = &e["params"];
        let (samples, shape) = input(p["input"].as_str().unwrap());
        let input = match &samples {
            Samples::F32(s) => Input::F32(s),
            Samples::F64(s) => Input::F64(s),
        };
        let params = params_of(p);
        assert_eq!(
            imgpack::encoded_len(shape, &params).unwrap(),
            want.len(),
            "{file}"
        );
        let got = imgpack::encode_to_vec(input, shape, &params).unwrap();
        assert_eq!(got, want, "{file}: one-shot encode differs");
        for (piece, room) in [(1, 8), (3, 9), (7, 64)] {
            let got = stream_encode(input, shape, params, piece, room);
            assert_eq!(got, want, "{file}: streamed ({piece}, {room}) differs");
        }
        checked += 1;
    }
    assert_eq!(checked, 175);
}

#[test]
fn the_header_of_a_latest_vector_has_every_key() {
    use framewire::Field;
    let bytes = fs::read(dir().join("head_ramp_packed12_LE.bin")).unwrap();
    let f = imgpack::decode(&bytes).unwrap();
    let h = f.header();
    for field in [
        Field::Format,
        Field::Version,
        Field::Dtype,
        Field::Endianness,
        Field::Shape,
        Field::Order,
        Field::Size,
        Field::Bits,
        Field::Resolution,
        Field::Vmin,
        Field::Vmax,
    ] {
        assert!(h.has_key(field), "{field}");
    }
    assert_eq!(h.endianness(), None, "packed writes null");
    assert_eq!(h.size(), Some(h.blob_len() as f64 / 1048576.0));
    assert!(matches!(f.data(), Data::Packed(_)));
    assert_eq!(
        h.blob_offset() as usize + h.blob_len() as usize,
        bytes.len()
    );
}
