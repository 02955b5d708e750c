//! The `framewire` CLI on imgpack's latest layout, against the vectors that
//! imgpack's own Python wrote (`tests/interop/imgpack/`, `manifest.json`):
//! `encode imgpack` re-creates every file byte for byte from its input and
//! parameters, `decode` gives back the array imgpack's decoder returns,
//! `inspect` reports every header key, `--dequantize` follows the formula;
//! and bad arguments and files fail cleanly, leaving existing files alone.

#![cfg(feature = "cli")]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use framewire::imgpack::{self, Dtype, Endianness, Input, Params};
use framewire::Shape;
use npyz::{NpyFile, Order};
use serde_json::Value;
use tempfile::TempDir;

#[path = "common/cli.rs"]
mod cli_common;
use cli_common::*;

// ---------------------------------------------------------------- helpers

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/imgpack")
}

/// Success, nothing on stderr.
fn assert_ok(o: &Output, what: &str) {
    assert_eq!(o.status.code(), Some(0), "{what}: stderr: {}", stderr(o));
    assert!(o.stderr.is_empty(), "{what}: stderr: {}", stderr(o));
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Python's `NaN`/`Infinity` (not JSON) read as strings.
fn lenient_json(text: &str) -> Value {
    let text = text
        .replace("-Infinity", "\"-Infinity\"")
        .replace("Infinity", "\"Infinity\"")
        .replace("\"-\"Infinity\"\"", "\"-Infinity\"")
        .replace("NaN", "\"NaN\"");
    serde_json::from_str(&text).unwrap()
}

/// The manifest's entries for the latest layout.
fn latest() -> Vec<Value> {
    let text = fs::read_to_string(dir().join("manifest.json")).unwrap();
    let all = match lenient_json(&text) {
        Value::Array(v) => v,
        other => panic!("manifest is not a list: {other}"),
    };
    let latest: Vec<Value> = all.into_iter().filter(|e| e["variant"] == "head").collect();
    assert_eq!(
        latest.len(),
        175,
        "the manifest lists 175 latest-layout files"
    );
    latest
}

fn num(v: &Value) -> f64 {
    match v {
        Value::String(s) if s == "NaN" => f64::NAN,
        Value::String(s) if s == "Infinity" => f64::INFINITY,
        Value::String(s) if s == "-Infinity" => f64::NEG_INFINITY,
        v => v.as_f64().unwrap_or_else(|| panic!("not a number: {v}")),
    }
}

fn same(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b
}

/// The `encode imgpack` arguments of a manifest entry, every one spelled out.
fn encode_args(p: &Value, input: &Path, out: &Path) -> Vec<String> {
    let mut args: Vec<String> = ["encode", "imgpack", "--input", s(input), "--out", s(out)]
        .map(String::from)
        .to_vec();
    args.push(format!("--dtype={}", p["dtype"].as_str().unwrap()));
    args.push(format!("--vmin={}", num(&p["vmin"])));
    args.push(format!("--vmax={}", num(&p["vmax"])));
    if let Some(b) = p.get("bits") {
        args.push(format!("--bits={}", b.as_u64().unwrap()));
    }
    if let Some(e) = p.get("endianness").and_then(Value::as_str) {
        args.push(format!("--endianness={e}"));
    }
    args
}

fn input_path(p: &Value) -> PathBuf {
    dir()
        .join("inputs")
        .join(format!("{}.npy", p["input"].as_str().unwrap()))
}

/// The header JSON of an imgpack message.
fn header_json(bytes: &[u8]) -> &str {
    let len = u32::from_be_bytes(bytes[..4].try_into().unwrap()) as usize;
    std::str::from_utf8(&bytes[4..4 + len]).unwrap()
}

/// A `.npy` file's descr, shape, order and raw data bytes.
struct Npy {
    descr: String,
    shape: Vec<u64>,
    fortran: bool,
    bytes: Vec<u8>,
}

fn read_npy(path: &Path) -> Npy {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let f = NpyFile::new(&bytes[..]).unwrap();
    let descr = f.dtype().descr().trim_matches('\'').to_string();
    let shape = f.shape().to_vec();
    let fortran = f.order() == Order::Fortran;
    let header_end = bytes.len() - (f.shape().iter().product::<u64>() as usize) * item_size(&descr);
    Npy {
        descr,
        shape,
        fortran,
        bytes: bytes[header_end..].to_vec(),
    }
}

fn item_size(descr: &str) -> usize {
    descr[2..].parse().unwrap()
}

/// The values of a native-order `.npy` file as f64 (exact for every dtype
/// the CLI writes).
fn npy_values(n: &Npy) -> Vec<f64> {
    let b = &n.bytes;
    match &n.descr[1..] {
        "u1" => b.iter().map(|&v| f64::from(v)).collect(),
        "u2" => b
            .chunks_exact(2)
            .map(|c| f64::from(u16::from_ne_bytes([c[0], c[1]])))
            .collect(),
        "u4" => b
            .chunks_exact(4)
            .map(|c| f64::from(u32::from_ne_bytes(c.try_into().unwrap())))
            .collect(),
        "f2" => b
            .chunks_exact(2)
            .map(|c| f64::from(half::f16::from_ne_bytes([c[0], c[1]]).to_f32()))
            .collect(),
        "f4" => b
            .chunks_exact(4)
            .map(|c| f64::from(f32::from_ne_bytes(c.try_into().unwrap())))
            .collect(),
        "f8" => b
            .chunks_exact(8)
            .map(|c| f64::from_ne_bytes(c.try_into().unwrap()))
            .collect(),
        other => panic!("unexpected descr {other}"),
    }
}

/// `<` or `>`: the machine's byte order in a descr.
fn native() -> char {
    if cfg!(target_endian = "big") {
        '>'
    } else {
        '<'
    }
}

/// The descr `decode` must write for a manifest dtype.
fn descr_of(dtype: &str) -> String {
    let code = match dtype {
        "uint8" => return "|u1".into(),
        "uint16" => "u2",
        "uint32" => "u4",
        "float16" => "f2",
        "float32" => "f4",
        "float64" => "f8",
        other => panic!("unexpected dtype {other}"),
    };
    format!("{}{code}", native())
}

/// An imgpack message around `json` and `blob`, padded by the layout's rule
/// for `elem_size`.
fn message(json: &str, elem_size: usize, blob: &[u8]) -> Vec<u8> {
    let mut v = (json.len() as u32).to_be_bytes().to_vec();
    v.extend_from_slice(json.as_bytes());
    while v.len() % elem_size != 0 {
        v.push(0);
    }
    v.extend_from_slice(blob);
    v
}

// ---------------------------------------------------------------- the vectors

#[test]
fn every_latest_vector_encodes_byte_for_byte() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("o.bin");
    let mut defaults_checked = 0;
    for e in latest() {
        let file = e["file"].as_str().unwrap();
        let want = fs::read(dir().join(file)).unwrap();
        let p = &e["params"];
        let args = encode_args(p, &input_path(p), &out);
        let o = framewire(&args);
        assert_ok(&o, file);
        assert_eq!(fs::read(&out).unwrap(), want, "{file}: {args:?}");
        let line = stdout(&o);
        assert!(
            line.starts_with(&format!(
                "wrote {} ({} bytes; imgpack ",
                s(&out),
                want.len()
            )),
            "{file}: {line}"
        );
        assert_eq!(line.matches('\n').count(), 1, "{file}: {line:?}");

        // imgpack's defaults, bits = 12 and endianness = "LE", and the
        // endianness that packed ignores, give the same bytes.
        let dtype = p["dtype"].as_str().unwrap();
        let mut reduced: Vec<String> = args
            .iter()
            .filter(|a| {
                !(a.as_str() == "--bits=12"
                    || a.as_str() == "--endianness=LE"
                    || (dtype == "packed" && a.starts_with("--endianness")))
            })
            .cloned()
            .collect();
        if dtype == "packed" {
            reduced.push("--endianness=BE".into());
        }
        if reduced.len() != args.len() || dtype == "packed" {
            fs::remove_file(&out).unwrap();
            assert_ok(&framewire(&reduced), file);
            assert_eq!(fs::read(&out).unwrap(), want, "{file}: {reduced:?}");
            defaults_checked += 1;
        }
    }
    assert!(defaults_checked > 50, "{defaults_checked}");
}

#[test]
fn every_latest_vector_decodes_to_its_manifest_array() {
    let tmp = TempDir::new().unwrap();
    for (i, e) in latest().into_iter().enumerate() {
        let file = e["file"].as_str().unwrap();
        let out = tmp.path().join(format!("d{i}"));
        let o = framewire(["decode", s(&dir().join(file)), "--out", s(&out)]);
        assert_ok(&o, file);
        assert_eq!(listing(&out), ["data.npy"], "{file}");
        let n = read_npy(&out.join("data.npy"));
        assert_eq!(n.descr, descr_of(e["dtype"].as_str().unwrap()), "{file}");
        let shape: Vec<u64> = e["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert_eq!(n.shape, shape, "{file}");
        assert!(!n.fortran, "{file}");
        let got = npy_values(&n);
        let want: Vec<f64> = e["values"].as_array().unwrap().iter().map(num).collect();
        assert_eq!(got.len(), want.len(), "{file}");
        for (k, (g, w)) in got.iter().zip(&want).enumerate() {
            assert!(same(*g, *w), "{file}[{k}]: {g} != {w}");
        }
        // The floats come out bit for bit: the blob's values in native order.
        let bytes = fs::read(dir().join(file)).unwrap();
        let frame = imgpack::decode(&bytes).unwrap();
        if frame.header().dtype().is_float() {
            let mut blob = frame.data().as_bytes().to_vec();
            let size = item_size(&n.descr);
            if frame.header().byte_order() == Endianness::Big && native() == '<' {
                blob.chunks_exact_mut(size).for_each(<[u8]>::reverse);
            }
            assert_eq!(n.bytes, blob, "{file}");
        }
        assert!(
            stdout(&o).starts_with(&format!("wrote {} (imgpack ", s(&out.join("data.npy")))),
            "{file}: {}",
            stdout(&o)
        );
    }
}

/// imgpack writes its header compactly, in its own key order, as inspect
/// prints it: for every vector the output is exactly the header JSON.
#[test]
fn every_latest_vector_inspects_to_its_header() {
    for e in latest() {
        let file = e["file"].as_str().unwrap();
        let bytes = fs::read(dir().join(file)).unwrap();
        let o = framewire(["inspect", s(&dir().join(file))]);
        assert_ok(&o, file);
        let line = stdout(&o);
        assert_eq!(line, format!("{}\n", header_json(&bytes)), "{file}");
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["format"], "imgpack", "{file}");
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 11, "{file}: {keys:?}");
        let p = &e["params"];
        assert_eq!(v["dtype"], p["dtype"], "{file}");
        if p["dtype"] == "packed" {
            assert_eq!(v["endianness"], Value::Null, "{file}");
        }
        if p["dtype"].as_str().unwrap().starts_with("float") {
            assert_eq!((&v["bits"], &v["resolution"]), (&Value::Null, &Value::Null));
        }
    }
}

#[test]
fn every_n_bit_vector_dequantizes_by_the_formula() {
    let tmp = TempDir::new().unwrap();
    let mut checked = 0;
    for (i, e) in latest().into_iter().enumerate() {
        let file = e["file"].as_str().unwrap();
        let p = &e["params"];
        let out = tmp.path().join(format!("q{i}"));
        let o = framewire([
            "decode",
            s(&dir().join(file)),
            "--out",
            s(&out),
            "--dequantize",
        ]);
        if p["dtype"].as_str().unwrap().starts_with("float") {
            assert_usage(&o, "--dequantize applies to imgpack's n-bit dtypes");
            assert!(!out.exists(), "{file}");
            continue;
        }
        assert_ok(&o, file);
        assert_eq!(listing(&out), ["data.npy", "values.npy"], "{file}");
        let n = read_npy(&out.join("values.npy"));
        assert_eq!(n.descr, format!("{}f4", native()), "{file}");
        assert_eq!(n.shape, read_npy(&out.join("data.npy")).shape, "{file}");
        let (vmin, vmax) = (num(&p["vmin"]), num(&p["vmax"]));
        let bits = p["bits"].as_u64().unwrap() as i32;
        let step = (vmax - vmin) / (2f64.powi(bits) - 1.0);
        let got = npy_values(&n);
        let levels = e["values"].as_array().unwrap();
        assert_eq!(got.len(), levels.len(), "{file}");
        for (k, (g, q)) in got.iter().zip(levels).enumerate() {
            let want = (vmin + num(q) * step) as f32;
            assert!(same(*g, f64::from(want)), "{file}[{k}]: {g} != {want}");
        }
        checked += 1;
    }
    assert_eq!(checked, 175 - 42);
}

// ---------------------------------------------------------------- inspect

#[test]
fn inspect_applies_defaults_and_keeps_other_keys() {
    let tmp = TempDir::new().unwrap();
    let path = tmp.path().join("m.bin");
    // No format, version, endianness, order, size, resolution or range;
    // extra keys, whitespace and a nested value.
    let json =
        r#"{ "dtype": "uint16", "shape": [1, 2], "bits": 10, "note": {"a": [1, 2]}, "x": NaN }"#;
    fs::write(&path, message(json, 2, &[1, 0, 0xff, 3])).unwrap();
    let o = framewire(["inspect", s(&path)]);
    assert_ok(&o, "inspect");
    assert_eq!(
        stdout(&o),
        "{\"format\":\"imgpack\",\"version\":null,\"dtype\":\"uint16\",\"endianness\":\"LE\",\
         \"shape\":[1,2],\"order\":\"C\",\"size\":null,\"bits\":10,\"resolution\":null,\
         \"vmin\":0.0,\"vmax\":1.0,\"note\":{\"a\":[1,2]},\"x\":\"NaN\"}\n"
    );

    // A non-finite range stays valid JSON.
    let json = r#"{"format":"imgpack","version":1,"dtype":"float32","endianness":"BE","shape":[1,1],"order":"F","size":3.814697265625e-06,"bits":null,"resolution":null,"vmin":NaN,"vmax":-Infinity}"#;
    fs::write(&path, message(json, 4, &[0x3f, 0x80, 0, 0])).unwrap();
    let o = framewire(["inspect", s(&path)]);
    assert_ok(&o, "inspect");
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["vmin"], "NaN");
    assert_eq!(v["vmax"], "-Infinity");
    assert_eq!(v["order"], "F");
    assert_eq!(v["endianness"], "BE");
}

// ---------------------------------------------------------------- decode

#[test]
fn decode_converts_big_endian_and_keeps_fortran_order() {
    let tmp = TempDir::new().unwrap();
    let path = tmp.path().join("m.bin");
    // A 2x3 uint16 array [[1,2,3],[4,5,6]] stored column-major, big-endian.
    let json = r#"{"dtype":"uint16","endianness":"BE","shape":[2,3],"order":"F","bits":16}"#;
    let blob: Vec<u8> = [1u16, 4, 2, 5, 3, 6]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect();
    fs::write(&path, message(json, 2, &blob)).unwrap();
    let out = tmp.path().join("out");
    assert_ok(&framewire(["decode", s(&path), "--out", s(&out)]), "decode");
    let n = read_npy(&out.join("data.npy"));
    assert_eq!(n.descr, format!("{}u2", native()));
    assert_eq!(n.shape, [2, 3]);
    assert!(n.fortran);
    assert_eq!(npy_values(&n), [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
}

#[test]
fn decode_packed_levels_take_the_smallest_type() {
    let tmp = TempDir::new().unwrap();
    let path = tmp.path().join("m.bin");
    for (bits, descr) in [
        (1, "|u1"),
        (8, "|u1"),
        (9, "u2"),
        (16, "u2"),
        (17, "u4"),
        (32, "u4"),
    ] {
        let levels: Vec<u32> = vec![0, ((1u64 << bits) - 1) as u32, 1];
        let mut blob = vec![0u8; (3 * bits as usize).div_ceil(8)];
        imgpack::pack_levels(&levels, bits, &mut blob).unwrap();
        let json = format!(r#"{{"dtype":"packed","endianness":null,"shape":[3,1],"bits":{bits}}}"#);
        fs::write(&path, message(&json, 1, &blob)).unwrap();
        let out = tmp.path().join(format!("p{bits}"));
        assert_ok(
            &framewire(["decode", s(&path), "--out", s(&out), "--dequantize"]),
            "decode",
        );
        let n = read_npy(&out.join("data.npy"));
        let want = if descr.starts_with('|') {
            descr.to_string()
        } else {
            format!("{}{descr}", native())
        };
        assert_eq!(n.descr, want, "bits {bits}");
        assert_eq!(n.shape, [3, 1]);
        let got: Vec<f64> = npy_values(&n);
        assert_eq!(
            got,
            levels.iter().map(|&v| f64::from(v)).collect::<Vec<_>>()
        );
        // vmin 0, vmax 1 by default: level q is q / (2**bits - 1).
        let values = npy_values(&read_npy(&out.join("values.npy")));
        assert_eq!(
            values,
            [
                0.0,
                1.0,
                f64::from((1.0 / ((1u64 << bits) - 1) as f64) as f32)
            ]
        );
    }
}

#[test]
fn decode_bad_files_fail_and_keep_existing_outputs() {
    let tmp = TempDir::new().unwrap();
    let good = fs::read(dir().join("head_ramp_uint1612_LE.bin")).unwrap();
    let out = tmp.path().join("out");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("data.npy"), b"old data").unwrap();
    fs::write(out.join("values.npy"), b"old values").unwrap();
    let path = tmp.path().join("bad.bin");
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (good[..good.len() - 1].to_vec(), "truncated input"),
        (good[..10].to_vec(), "truncated input"),
        ([&good[..], &[0]].concat(), "trailing bytes"),
        (
            message(r#"{"dtype":"uint8","shape":[1,1],"bits":9}"#, 1, &[0]),
            "bits",
        ),
        (
            message(r#"{"dtype":"int8","shape":[1,1],"bits":8}"#, 1, &[0]),
            "dtype",
        ),
        (
            message(
                r#"{"dtype":"uint16","endianness":null,"shape":[1,1],"bits":8}"#,
                2,
                &[0, 0],
            ),
            "endianness",
        ),
    ];
    for (bytes, needle) in cases {
        fs::write(&path, &bytes).unwrap();
        for args in [
            vec!["decode", s(&path), "--out", s(&out)],
            vec!["decode", s(&path), "--out", s(&out), "--dequantize"],
            vec!["inspect", s(&path)],
        ] {
            let o = framewire(&args);
            assert_bad(&o, needle);
            assert!(stderr(&o).contains(s(&path)), "{}", stderr(&o));
        }
        assert_eq!(listing(&out), ["data.npy", "values.npy"]);
        assert_eq!(fs::read(out.join("data.npy")).unwrap(), b"old data");
        assert_eq!(fs::read(out.join("values.npy")).unwrap(), b"old values");
    }
    // A float file with --dequantize is a usage error, and writes nothing.
    let float = dir().join("head_ramp_float32_LE.bin");
    assert_usage(
        &framewire(["decode", s(&float), "--out", s(&out), "--dequantize"]),
        "float32",
    );
    assert_eq!(fs::read(out.join("data.npy")).unwrap(), b"old data");
    // A good file replaces data.npy, and leaves values.npy alone.
    fs::write(&path, &good).unwrap();
    assert_ok(&framewire(["decode", s(&path), "--out", s(&out)]), "decode");
    assert_ne!(fs::read(out.join("data.npy")).unwrap(), b"old data");
    assert_eq!(fs::read(out.join("values.npy")).unwrap(), b"old values");
}

// ---------------------------------------------------------------- encode

/// What the library writes for these samples and parameters.
fn library(input: Input<'_>, shape: [u64; 2], params: &Params) -> Vec<u8> {
    imgpack::encode_to_vec(input, Shape::new(shape[0], shape[1]), params).unwrap()
}

#[test]
fn encode_default_range_is_the_nan_ignoring_min_and_max() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("in.npy");
    let out = tmp.path().join("o.bin");
    let data = [f32::NAN, -2.5, 0.25, 7.0, f32::NAN, 1.0];
    write_npy(&input, "<f4", &[2, 3], &data);
    for (dtype, name) in [
        (Dtype::Packed, "packed"),
        (Dtype::U16, "uint16"),
        (Dtype::F16, "float16"),
    ] {
        let o = framewire([
            "encode",
            "imgpack",
            "--input",
            s(&input),
            "--dtype",
            name,
            "--out",
            s(&out),
        ]);
        assert_ok(&o, name);
        let want = library(data[..].into(), [2, 3], &Params::new(dtype, -2.5, 7.0));
        assert_eq!(fs::read(&out).unwrap(), want, "{name}");
    }
    // One end given, the other from the data.
    let o = framewire([
        "encode",
        "imgpack",
        "--input",
        s(&input),
        "--vmin=-10",
        "--out",
        s(&out),
    ]);
    assert_ok(&o, "--vmin");
    let want = library(
        data[..].into(),
        [2, 3],
        &Params::new(Dtype::U16, -10.0, 7.0),
    );
    assert_eq!(fs::read(&out).unwrap(), want);

    // imgpack's default dtype is uint16.
    let h = imgpack::decode(&want).unwrap();
    assert_eq!(h.header().dtype(), Dtype::U16);

    // All NaN: NumPy's nanmin is NaN, and imgpack writes it.
    write_npy(&input, "<f8", &[1, 2], &[f64::NAN, f64::NAN]);
    assert_ok(
        &framewire(["encode", "imgpack", "--input", s(&input), "--out", s(&out)]),
        "all NaN",
    );
    let bytes = fs::read(&out).unwrap();
    assert!(
        header_json(&bytes).ends_with(r#""vmin":NaN,"vmax":NaN}"#),
        "{}",
        header_json(&bytes)
    );
    // Infinities count.
    write_npy(&input, "<f4", &[1, 3], &[f32::NEG_INFINITY, 0.0, f32::NAN]);
    assert_ok(
        &framewire(["encode", "imgpack", "--input", s(&input), "--out", s(&out)]),
        "-inf",
    );
    let bytes = fs::read(&out).unwrap();
    assert!(
        header_json(&bytes).ends_with(r#""vmin":-Infinity,"vmax":0.0}"#),
        "{}",
        header_json(&bytes)
    );
}

/// Integer and bool inputs are converted once, from the stored values: to
/// float32 for quantizing and float16/float32, to float64 for float64; the
/// default range is the integers' min and max, exact.
#[test]
fn encode_integer_and_bool_inputs_convert_like_numpy() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("in.npy");
    let out = tmp.path().join("o.bin");
    // 2^24 + 1 is not a float32; 2^53 + 1 is not a float64.
    let ints: [i64; 4] = [16_777_217, -3, 9_007_199_254_740_993, 0];
    write_npy(&input, "<i8", &[2, 2], &ints);
    let run = |dtype: &str, extra: &[&str]| {
        let mut args = vec!["encode", "imgpack", "--input", s(&input), "--dtype", dtype];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--out", s(&out)]);
        assert_ok(&framewire(&args), dtype);
        fs::read(&out).unwrap()
    };
    let (lo, hi) = (-3.0, 9_007_199_254_740_993i64 as f64);
    let as_f32: Vec<f32> = ints.iter().map(|&v| v as f32).collect();
    let as_f64: Vec<f64> = ints.iter().map(|&v| v as f64).collect();
    let got = run("float64", &[]);
    assert_eq!(
        got,
        library(as_f64[..].into(), [2, 2], &Params::new(Dtype::F64, lo, hi))
    );
    let values = npy_values(&{
        let d = tmp.path().join("d");
        let bin = tmp.path().join("f64.bin");
        fs::write(&bin, &got).unwrap();
        assert_ok(&framewire(["decode", s(&bin), "--out", s(&d)]), "decode");
        read_npy(&d.join("data.npy"))
    });
    assert_eq!(
        values[0], 16_777_217.0,
        "int64 to float64 directly, not through float32"
    );
    for (name, dtype) in [
        ("float32", Dtype::F32),
        ("float16", Dtype::F16),
        ("uint32", Dtype::U32),
    ] {
        let want = library(
            as_f32[..].into(),
            [2, 2],
            &Params::new(dtype, lo, hi).with_bits(20),
        );
        assert_eq!(run(name, &["--bits", "20"]), want, "{name}");
    }

    // Unsigned and bool.
    let u: [u16; 3] = [65535, 7, 0];
    write_npy(&input, "<u2", &[1, 3], &u);
    let as_f32: Vec<f32> = u.iter().map(|&v| f32::from(v)).collect();
    let want = library(
        as_f32[..].into(),
        [1, 3],
        &Params::new(Dtype::Packed, 0.0, 65535.0).with_bits(5),
    );
    assert_eq!(run("packed", &["--bits=5"]), want);
    write_npy(&input, "|b1", &[3, 1], &[true, false, true]);
    let want = library(
        [1f32, 0.0, 1.0][..].into(),
        [3, 1],
        &Params::new(Dtype::U8, 0.0, 1.0).with_bits(1),
    );
    assert_eq!(run("uint8", &["--bits=1"]), want);
}

#[test]
fn encode_uint8_writes_the_endianness_it_is_given_and_nothing_else_changes() {
    let tmp = TempDir::new().unwrap();
    let input = dir().join("inputs/ramp.npy");
    let (le, be) = (tmp.path().join("le.bin"), tmp.path().join("be.bin"));
    for (e, out) in [("LE", &le), ("be", &be)] {
        assert_ok(
            &framewire([
                "encode",
                "imgpack",
                "--input",
                s(&input),
                "--dtype",
                "uint8",
                "--bits",
                "8",
                "--endianness",
                e,
                "--out",
                s(out),
            ]),
            e,
        );
    }
    let (le, be) = (fs::read(&le).unwrap(), fs::read(&be).unwrap());
    let (fl, fb) = (imgpack::decode(&le).unwrap(), imgpack::decode(&be).unwrap());
    assert_eq!(fl.data().as_bytes(), fb.data().as_bytes());
    assert_eq!(
        header_json(&be),
        header_json(&le).replace(r#""endianness":"LE""#, r#""endianness":"BE""#)
    );
    assert_ne!(le, be);
}

#[test]
fn encode_bad_arguments_are_usage_errors_and_write_nothing() {
    let tmp = TempDir::new().unwrap();
    let input = dir().join("inputs/ramp.npy");
    let out = tmp.path().join("o.bin");
    fs::write(&out, b"previous").unwrap();
    let cases: [(&[&str], &str); 9] = [
        (
            &["--dtype", "uint8", "--bits", "9"],
            "--bits 9 is out of range for --dtype uint8: it takes 1..=8",
        ),
        (&["--dtype", "uint16", "--bits", "17"], "1..=16"),
        (&["--dtype", "uint16", "--bits", "0"], "--bits 0"),
        (&["--dtype", "packed", "--bits", "33"], "1..=32"),
        (&["--dtype", "uint32", "--bits", "40"], "1..=32"),
        (&["--dtype", "int8"], "invalid value 'int8'"),
        (
            &["--dtype", "float32", "--bits", "-1"],
            "unexpected argument '-1'",
        ),
        (&["--endianness", "XE"], "invalid value 'XE'"),
        (&["--vmin", "low"], "'low' is not a number"),
    ];
    for (extra, needle) in cases {
        let mut args = vec!["encode", "imgpack", "--input", s(&input), "--out", s(&out)];
        args.extend_from_slice(extra);
        assert_usage(&framewire(&args), needle);
        assert_eq!(fs::read(&out).unwrap(), b"previous", "{extra:?}");
    }
    assert_eq!(listing(tmp.path()), ["o.bin"]);
    // bits is ignored for the floats, as imgpack ignores it.
    let want = fs::read(dir().join("head_ramp_float32_LE.bin")).unwrap();
    assert_ok(
        &framewire([
            "encode",
            "imgpack",
            "--input",
            s(&input),
            "--dtype",
            "float32",
            "--bits",
            "40",
            "--vmin",
            "0",
            "--vmax",
            "1",
            "--out",
            s(&out),
        ]),
        "float32 --bits 40",
    );
    assert_eq!(fs::read(&out).unwrap(), want);
}

#[test]
fn encode_bad_inputs_are_bad_files_and_keep_the_old_output() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("o.bin");
    fs::write(&out, b"previous").unwrap();
    let input = tmp.path().join("in.npy");
    let run = || framewire(["encode", "imgpack", "--input", s(&input), "--out", s(&out)]);

    write_npy(&input, "<f4", &[2, 2, 1], &[0f32; 4]);
    assert_bad(&run(), "expected a 2-D array, found shape (2, 2, 1)");
    write_npy(&input, "<f2", &[1, 1], &[half::f16::ONE]);
    assert_bad(
        &run(),
        "expected a float32, float64, integer or bool array, found dtype '<f2'",
    );
    write_npy(&input, "<f4", &[0, 3], &[0f32; 0]);
    assert_bad(
        &run(),
        "input is empty, so --vmin and --vmax have no default; pass --vmin and --vmax",
    );
    let o = framewire([
        "encode",
        "imgpack",
        "--input",
        s(&input),
        "--vmin",
        "0",
        "--out",
        s(&out),
    ]);
    assert_bad(&o, "so --vmax has no default; pass --vmax");
    fs::write(&input, b"\x93NUMPY junk").unwrap();
    assert_bad(&run(), s(&input));
    fs::remove_file(&input).unwrap();
    assert_bad(&run(), "cannot read");
    assert_eq!(fs::read(&out).unwrap(), b"previous");
    assert_eq!(listing(tmp.path()), ["o.bin"]);

    // An empty array with a range is a valid message.
    write_npy(&input, "<f4", &[0, 3], &[0f32; 0]);
    let o = framewire([
        "encode",
        "imgpack",
        "--input",
        s(&input),
        "--vmin",
        "0",
        "--vmax",
        "1",
        "--dtype",
        "packed",
        "--out",
        s(&out),
    ]);
    assert_ok(&o, "empty");
    let bytes = fs::read(&out).unwrap();
    assert_eq!(
        imgpack::decode(&bytes).unwrap().header().shape(),
        Shape::new(0, 3)
    );
}

/// encode, then decode: the levels are the library's quantization of the
/// input, the floats the input converted.
#[test]
fn encode_then_decode_round_trips() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("in.npy");
    let data: Vec<f64> = (0..40).map(|i| (f64::from(i) * 0.37).sin() * 3.0).collect();
    write_npy(&input, "<f8", &[5, 8], &data);
    let bin = tmp.path().join("o.bin");
    for (dtype, extra) in [
        ("float64", "--endianness=BE"),
        ("packed", "--bits=7"),
        ("uint32", "--bits=32"),
    ] {
        assert_ok(
            &framewire([
                "encode",
                "imgpack",
                "--input",
                s(&input),
                "--dtype",
                dtype,
                extra,
                "--out",
                s(&bin),
            ]),
            dtype,
        );
        let out = tmp.path().join(dtype);
        assert_ok(&framewire(["decode", s(&bin), "--out", s(&out)]), dtype);
        let got = npy_values(&read_npy(&out.join("data.npy")));
        if dtype == "float64" {
            assert_eq!(got, data);
        } else {
            let bytes = fs::read(&bin).unwrap();
            let f = imgpack::decode(&bytes).unwrap();
            let levels: Vec<f64> = f.data().levels().unwrap().map(f64::from).collect();
            assert_eq!(got, levels);
            assert!(levels.iter().any(|&q| q > 0.0));
        }
    }
}

/// A range given on the command line is written as given, non-finite ends
/// included (imgpack writes them as Python's `NaN`/`Infinity`), and a range
/// that is not finite and positive makes every level 0.
#[test]
fn encode_writes_any_given_range() {
    let tmp = TempDir::new().unwrap();
    let input = dir().join("inputs/ramp.npy");
    let out = tmp.path().join("o.bin");
    for (vmin, vmax, text) in [
        ("nan", "inf", r#""vmin":NaN,"vmax":Infinity}"#),
        ("-inf", "1", r#""vmin":-Infinity,"vmax":1.0}"#),
        ("2", "1", r#""vmin":2.0,"vmax":1.0}"#),
        ("-0.0", "1e-05", r#""vmin":-0.0,"vmax":1e-05}"#),
    ] {
        let o = framewire([
            "encode",
            "imgpack",
            "--input",
            s(&input),
            "--dtype=packed",
            &format!("--vmin={vmin}"),
            &format!("--vmax={vmax}"),
            "--out",
            s(&out),
        ]);
        assert_ok(&o, vmin);
        let bytes = fs::read(&out).unwrap();
        assert!(
            header_json(&bytes).ends_with(text),
            "{}",
            header_json(&bytes)
        );
        let f = imgpack::decode(&bytes).unwrap();
        let levels: Vec<u32> = f.data().levels().unwrap().collect();
        if vmin != "-0.0" {
            assert!(levels.iter().all(|&q| q == 0), "{vmin} {vmax}: {levels:?}");
        } else {
            assert!(levels.contains(&4095));
        }
    }
}
