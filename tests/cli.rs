//! Integration tests of the `framewire` command-line tool: every subcommand
//! on good and bad input, exit codes, stderr, and what is (not) left on disk.

#![cfg(feature = "cli")]

use std::fs;
use std::path::{Path, PathBuf};

use npyz::{Deserialize, NpyFile, Order, Serialize};
use tempfile::TempDir;

#[path = "common/cli.rs"]
mod cli_common;
use cli_common::*;

// ---------------------------------------------------------------- helpers

fn golden(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(rel)
}

struct Npy<T> {
    descr: String,
    shape: Vec<u64>,
    fortran: bool,
    data: Vec<T>,
}

fn read_npy<T: Deserialize>(path: &Path) -> Npy<T> {
    let bytes = fs::read(path).unwrap();
    let f = NpyFile::new(&bytes[..]).unwrap();
    Npy {
        descr: f.dtype().descr(),
        shape: f.shape().to_vec(),
        fortran: f.order() == Order::Fortran,
        data: f.into_vec().unwrap(),
    }
}

fn f32s(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

fn f64s(bytes: &[u8]) -> Vec<f64> {
    bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

fn i16s(bytes: &[u8]) -> Vec<i16> {
    bytes
        .chunks_exact(2)
        .map(|c| i16::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

/// A VCBN envelope around `json` and `blob`, with the pad rule.
fn envelope(magic: &[u8; 4], json: &str, blob: &[u8]) -> Vec<u8> {
    let mut v = magic.to_vec();
    v.push(1);
    v.extend_from_slice(&(json.len() as u32).to_be_bytes());
    v.extend_from_slice(json.as_bytes());
    if v.len() % 2 == 1 {
        v.push(0);
    }
    v.extend_from_slice(blob);
    v
}

/// The blob of an envelope.
fn blob_of(env: &[u8]) -> &[u8] {
    let hlen = u32::from_be_bytes(env[5..9].try_into().unwrap()) as usize;
    let start = 9 + hlen + usize::from((9 + hlen) % 2 == 1);
    &env[start..]
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

const SAMPLE_A: [i16; 6] = [0, 1, -1, 2, -2, 3];
const SAMPLE_B: [i16; 6] = [5, -5, 4, -4, 0, 1];

// ---------------------------------------------------------------- inspect

#[test]
fn inspect_sac_golden() {
    let o = framewire(["inspect", s(&golden("sample.sac"))]);
    assert_ok(&o);
    assert_eq!(
        stdout(&o),
        "{\"format\":\"sac\",\"flags\":0,\"dtype_code\":1,\"arrays_count\":2,\"reserved\":0,\
         \"length_a\":6,\"length_b\":6,\"width\":3,\"height\":2}\n"
    );
}

#[test]
fn inspect_vcbn_golden() {
    let o = framewire(["inspect", s(&golden("vcbn/readme_linspace_u16.vcbn"))]);
    assert_ok(&o);
    assert_eq!(
        stdout(&o),
        "{\"format\":\"vcbn\",\"magic\":\"VCBN\",\"version\":1,\"dtype\":\"uint16\",\
         \"endianness\":\"LE\",\"shape\":[64,64],\"order\":\"C\",\"resolution\":4096,\
         \"vmin\":0.0,\"vmax\":1.0,\"fmt\":\"vcbin\",\"size\":0.0078125}\n"
    );
}

#[test]
fn inspect_vcbn_floats_as_python_writes_them() {
    let o = framewire(["inspect", s(&golden("vcbn/specials_neg_range_u16.vcbn"))]);
    assert_ok(&o);
    let out = stdout(&o);
    assert!(out.contains("\"vmin\":-1e-05,\"vmax\":2.5e-05,"), "{out}");
}

#[test]
fn inspect_vcbn_alias_magics() {
    let o = framewire(["inspect", s(&golden("vcbn/alias_impk_u16.vcbn"))]);
    assert_ok(&o);
    assert_eq!(
        stdout(&o),
        "{\"format\":\"vcbn\",\"magic\":\"IMPK\",\"version\":1,\"dtype\":\"uint16\",\
         \"endianness\":\"LE\",\"shape\":[8,8],\"order\":\"C\",\"resolution\":4096,\
         \"vmin\":0.0,\"vmax\":1.0,\"fmt\":\"vcbin\",\"size\":0.0001220703125}\n"
    );
    let o = framewire(["inspect", s(&golden("vcbn/alias_cbin_u8.vcbn"))]);
    assert_ok(&o);
    assert_eq!(
        stdout(&o),
        "{\"format\":\"vcbn\",\"magic\":\"CBIN\",\"version\":1,\"dtype\":\"uint8\",\
         \"endianness\":\"LE\",\"shape\":[8,8],\"order\":\"C\",\"resolution\":255,\
         \"vmin\":0.0,\"vmax\":1.0,\"fmt\":\"vcbin\",\"size\":6.103515625e-05}\n"
    );
}

#[test]
fn inspect_vcbn_extra_keys_and_defaults() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("extra.vcbn");
    // Defaults for endianness/order/resolution/vmin/vmax, a VERSION byte of
    // 1 with a different "version" key, unknown keys of every kind
    // (pretty-printed, escaped, non-ASCII, Python's NaN, a number beyond
    // f64 that strict JSON readers refuse: both reported as strings), a duplicate
    // unknown key (the last value wins, at the first position), and keys
    // that clash with the tool's own.
    let json = "{ \"shape\" : [1, 2],\n  \"camera\": {\"id\": 7, \"tags\": [\"a b\", \"c\"]},\
                \"dtype\":\"uint8\", \"version\": 2, \"note\": \"caf\\u00e9 \\\"x\\\"\",\
                \"bad\": NaN, \"nested\": [1, {\"x\": Infinity}], \"t\": true, \"n\": null,\
                \"camera\": 3, \"magic\": \"mine\", \"format\": 1, \"big\": 1E+400 }";
    fs::write(&path, envelope(b"IMPK", json, &[3, 4])).unwrap();
    let o = framewire(["inspect", s(&path)]);
    assert_ok(&o);
    let out = stdout(&o);
    assert_eq!(
        out,
        "{\"format\":\"vcbn\",\"magic\":\"IMPK\",\"version\":1,\"dtype\":\"uint8\",\
         \"endianness\":\"LE\",\"shape\":[1,2],\"order\":\"C\",\"resolution\":255,\
         \"vmin\":0.0,\"vmax\":1.0,\"camera\":3,\"note\":\"caf\\u00e9 \\\"x\\\"\",\
         \"bad\":\"NaN\",\"nested\":\"[1,{\\\"x\\\":Infinity}]\",\"t\":true,\"n\":null,\
         \"header.magic\":\"mine\",\"header.format\":1,\"big\":\"1E+400\"}\n"
    );
    // One line of valid JSON.
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["note"], "café \"x\"");
    assert_eq!(v["bad"], "NaN");
}

#[test]
fn inspect_vcbn_non_finite_range_stays_valid_json() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("nan.vcbn");
    let json = r#"{"dtype":"uint16","endianness":"BE","shape":[1,1],"order":"F","resolution":100,"vmin":NaN,"vmax":-Infinity}"#;
    fs::write(&path, envelope(b"VCBN", json, &[0, 1])).unwrap();
    let o = framewire(["inspect", s(&path)]);
    assert_ok(&o);
    let out = stdout(&o);
    assert_eq!(
        out,
        "{\"format\":\"vcbn\",\"magic\":\"VCBN\",\"version\":1,\"dtype\":\"uint16\",\
         \"endianness\":\"BE\",\"shape\":[1,1],\"order\":\"F\",\"resolution\":100,\
         \"vmin\":\"NaN\",\"vmax\":\"-Infinity\"}\n"
    );
    serde_json::from_str::<serde_json::Value>(&out).unwrap();
}

#[test]
fn inspect_bad_files() {
    let dir = TempDir::new().unwrap();
    let bad_magic = dir.path().join("bad.bin");
    fs::write(&bad_magic, b"NOPE and some more bytes").unwrap();
    assert_bad(&framewire(["inspect", s(&bad_magic)]), "bad magic \"NOPE\"");

    let tiny = dir.path().join("tiny.bin");
    fs::write(&tiny, b"SA").unwrap();
    assert_bad(&framewire(["inspect", s(&tiny)]), "truncated");

    let sac = fs::read(golden("sample.sac")).unwrap();
    let short = dir.path().join("short.sac");
    fs::write(&short, &sac[..sac.len() - 1]).unwrap();
    assert_bad(&framewire(["inspect", s(&short)]), "truncated input");

    let long = dir.path().join("long.sac");
    fs::write(&long, [&sac[..], &[0]].concat()).unwrap();
    assert_bad(&framewire(["inspect", s(&long)]), "trailing bytes");

    let env = fs::read(golden("vcbn/readme_linspace_u16.vcbn")).unwrap();
    let short = dir.path().join("short.vcbn");
    fs::write(&short, &env[..env.len() - 2]).unwrap();
    assert_bad(&framewire(["inspect", s(&short)]), "truncated input");

    let bad_json = dir.path().join("json.vcbn");
    fs::write(&bad_json, envelope(b"VCBN", "{\"dtype\":\"uint8\"\n,", &[])).unwrap();
    assert_bad(
        &framewire(["inspect", s(&bad_json)]),
        "malformed header JSON",
    );

    let missing = dir.path().join("missing.vcbn");
    assert_bad(&framewire(["inspect", s(&missing)]), "cannot read");
}

// ---------------------------------------------------------------- decode

#[test]
fn decode_sac_golden() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("new/nested");
    let o = framewire(["decode", s(&golden("sample.sac")), "--out", s(&out)]);
    assert_ok(&o);
    assert_eq!(
        stdout(&o),
        format!(
            "wrote {}, {} (SAC width 3, height 2, 6 + 6 int16 values)\n",
            out.join("a.npy").display(),
            out.join("b.npy").display()
        )
    );
    assert_eq!(listing(&out), ["a.npy", "b.npy"]);
    for (name, want) in [("a.npy", SAMPLE_A), ("b.npy", SAMPLE_B)] {
        let a = read_npy::<i16>(&out.join(name));
        assert_eq!(a.descr, "'<i2'");
        assert_eq!(a.shape, [2, 3]);
        assert!(!a.fortran);
        assert_eq!(a.data, want);
    }
}

#[test]
fn decode_sac_without_shape_is_1d() {
    let dir = TempDir::new().unwrap();
    for case in ["no_shape", "width_only", "empty"] {
        let out = dir.path().join(case);
        let sac = golden(&format!("sac/{case}.sac"));
        assert_ok(&framewire(["decode", s(&sac), "--out", s(&out)]));
        for ab in ["a", "b"] {
            let want = i16s(&fs::read(golden(&format!("sac/{case}.{ab}.i16"))).unwrap());
            let got = read_npy::<i16>(&out.join(format!("{ab}.npy")));
            assert_eq!(got.shape, [want.len() as u64], "{case}");
            assert_eq!(got.data, want, "{case}");
        }
    }
}

#[test]
fn decode_sac_refuses_dequantize_as_usage_error() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("out");
    let o = framewire([
        "decode",
        s(&golden("sample.sac")),
        "--out",
        s(&out),
        "--dequantize",
    ]);
    assert_usage(&o, "");
    assert!(!out.exists());
}

#[test]
fn decode_vcbn_golden_u16_with_values() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("out");
    let path = golden("vcbn/readme_linspace_u16.vcbn");
    let o = framewire(["decode", s(&path), "--out", s(&out), "--dequantize"]);
    assert_ok(&o);
    assert_eq!(
        stdout(&o),
        format!(
            "wrote {}, {} (VCBN uint16, shape (64, 64))\n",
            out.join("data.npy").display(),
            out.join("values.npy").display()
        )
    );
    assert_eq!(listing(&out), ["data.npy", "values.npy"]);

    let env = fs::read(&path).unwrap();
    let want: Vec<u16> = blob_of(&env)
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let data = read_npy::<u16>(&out.join("data.npy"));
    assert_eq!(data.descr, "'<u2'");
    assert_eq!(data.shape, [64, 64]);
    assert_eq!(data.data, want);

    let values = read_npy::<f32>(&out.join("values.npy"));
    assert_eq!(values.descr, "'<f4'");
    assert_eq!(values.shape, [64, 64]);
    let input = f32s(&fs::read(golden("vcbn/readme_linspace_u16.in")).unwrap());
    for (v, x) in values.data.iter().zip(&input) {
        assert!((v - x).abs() <= 1.0 / 4096.0, "{v} vs {x}");
    }
}

#[test]
fn decode_vcbn_golden_u8_without_values() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("out");
    let path = golden("vcbn/alias_cbin_u8.vcbn");
    let o = framewire(["decode", s(&path), "--out", s(&out)]);
    assert_ok(&o);
    assert_eq!(
        stdout(&o),
        format!(
            "wrote {} (CBIN uint8, shape (8, 8))\n",
            out.join("data.npy").display()
        )
    );
    assert_eq!(listing(&out), ["data.npy"]);
    let data = read_npy::<u8>(&out.join("data.npy"));
    assert_eq!(data.descr, "'|u1'");
    assert_eq!(data.shape, [8, 8]);
    assert_eq!(data.data, blob_of(&fs::read(&path).unwrap()));
}

#[test]
fn decode_vcbn_empty_shape() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("out");
    let path = golden("vcbn/shape_0x5_u16.vcbn");
    assert_ok(&framewire([
        "decode",
        s(&path),
        "--out",
        s(&out),
        "--dequantize",
    ]));
    let data = read_npy::<u16>(&out.join("data.npy"));
    assert_eq!(data.shape, [0, 5]);
    assert!(data.data.is_empty());
}

#[test]
fn decode_vcbn_big_endian_fortran_order() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("f.vcbn");
    // A 2x3 array [[0, 100, 200], [300, 400, 4096]] stored column-major,
    // big-endian.
    let levels: [u16; 6] = [0, 300, 100, 400, 200, 4096];
    let blob: Vec<u8> = levels.iter().flat_map(|v| v.to_be_bytes()).collect();
    let json =
        r#"{"dtype":"uint16","endianness":"BE","shape":[2,3],"order":"F","vmin":-1.0,"vmax":1.0}"#;
    fs::write(&path, envelope(b"VCBN", json, &blob)).unwrap();
    let out = dir.path().join("out");
    assert_ok(&framewire([
        "decode",
        s(&path),
        "--out",
        s(&out),
        "--dequantize",
    ]));

    let data = read_npy::<u16>(&out.join("data.npy"));
    assert_eq!(data.descr, "'<u2'");
    assert_eq!(data.shape, [2, 3]);
    assert!(data.fortran);
    assert_eq!(data.data, levels);

    let values = read_npy::<f32>(&out.join("values.npy"));
    assert!(values.fortran);
    assert_eq!(values.shape, [2, 3]);
    let want: Vec<f32> = levels
        .iter()
        .map(|&q| (-1.0 + f64::from(q) * (2.0 / 4096.0)) as f32)
        .collect();
    assert_eq!(values.data, want);
}

#[test]
fn decode_bad_files_leave_nothing() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("out/deeper");

    let bad_magic = dir.path().join("bad.bin");
    fs::write(&bad_magic, b"JUNKJUNKJUNK").unwrap();
    assert_bad(
        &framewire(["decode", s(&bad_magic), "--out", s(&out)]),
        "bad magic",
    );

    let env = fs::read(golden("vcbn/specials_u16.vcbn")).unwrap();
    let short = dir.path().join("short.vcbn");
    fs::write(&short, &env[..env.len() - 1]).unwrap();
    assert_bad(
        &framewire(["decode", s(&short), "--out", s(&out), "--dequantize"]),
        "truncated input",
    );

    let sac = fs::read(golden("sample.sac")).unwrap();
    let mut bad_dtype = sac.clone();
    bad_dtype[5] = 2;
    let bad_dtype_path = dir.path().join("dtype.sac");
    fs::write(&bad_dtype_path, bad_dtype).unwrap();
    assert_bad(
        &framewire(["decode", s(&bad_dtype_path), "--out", s(&out)]),
        "dtype_code 2",
    );

    assert!(!dir.path().join("out").exists());
    assert_eq!(listing(dir.path()), ["bad.bin", "dtype.sac", "short.vcbn"]);
}

#[test]
fn decode_into_existing_dir_replaces_outputs_only_on_success() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("a.npy"), b"old").unwrap();
    fs::write(out.join("keep.txt"), b"mine").unwrap();

    let bad = dir.path().join("bad.sac");
    fs::write(&bad, b"SAC1").unwrap();
    assert_bad(
        &framewire(["decode", s(&bad), "--out", s(&out)]),
        "truncated",
    );
    assert_eq!(listing(&out), ["a.npy", "keep.txt"]);
    assert_eq!(fs::read(out.join("a.npy")).unwrap(), b"old");

    assert_ok(&framewire([
        "decode",
        s(&golden("sample.sac")),
        "--out",
        s(&out),
    ]));
    assert_eq!(listing(&out), ["a.npy", "b.npy", "keep.txt"]);
    assert_eq!(read_npy::<i16>(&out.join("a.npy")).data, SAMPLE_A);
}

#[test]
fn decode_out_is_a_file() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("file");
    fs::write(&out, b"x").unwrap();
    assert_bad(
        &framewire(["decode", s(&golden("sample.sac")), "--out", s(&out)]),
        &format!("{}: exists and is not a directory", out.display()),
    );
    assert_eq!(fs::read(&out).unwrap(), b"x");
    assert_eq!(listing(dir.path()), ["file"]);
}

/// A failed decode leaves every existing output exactly as it was, and no
/// temporaries: here a directory is in the way of the second output.
#[test]
fn failed_decode_keeps_existing_outputs() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("out");
    fs::create_dir_all(out.join("b.npy")).unwrap();
    fs::write(out.join("a.npy"), b"old a").unwrap();
    let o = framewire(["decode", s(&golden("sample.sac")), "--out", s(&out)]);
    assert_eq!(listing(&out), ["a.npy", "b.npy"]);
    assert_eq!(fs::read(out.join("a.npy")).unwrap(), b"old a");
    assert!(out.join("b.npy").is_dir());
    assert_bad(
        &o,
        &format!("{}: is a directory", out.join("b.npy").display()),
    );

    // VCBN with --dequantize: data.npy exists, values.npy is in the way.
    let out = dir.path().join("vcbn");
    fs::create_dir_all(out.join("values.npy")).unwrap();
    fs::write(out.join("data.npy"), b"old data").unwrap();
    let path = golden("vcbn/readme_linspace_u16.vcbn");
    let o = framewire(["decode", s(&path), "--out", s(&out), "--dequantize"]);
    assert_eq!(listing(&out), ["data.npy", "values.npy"]);
    assert_eq!(fs::read(out.join("data.npy")).unwrap(), b"old data");
    assert_bad(&o, "values.npy: is a directory");
}

// ---------------------------------------------------------------- encode vcbn

/// Writes the golden input of `case` as an .npy file.
fn golden_input_npy(dir: &Path, case: &str, shape: [u64; 2], f64_input: bool) -> PathBuf {
    let raw = fs::read(golden(&format!("vcbn/{case}.in"))).unwrap();
    let path = dir.join(format!("{case}.npy"));
    if f64_input {
        write_npy_order(&path, "<f8", &shape, false, &f64s(&raw));
    } else {
        write_npy_order(&path, "<f4", &shape, false, &f32s(&raw));
    }
    path
}

#[test]
fn encode_vcbn_matches_golden() {
    let dir = TempDir::new().unwrap();
    let input = golden_input_npy(dir.path(), "readme_linspace_u16", [64, 64], false);
    let want = fs::read(golden("vcbn/readme_linspace_u16.vcbn")).unwrap();

    // Explicit range, and the default range (nanmin/nanmax = 0.0, 1.0).
    let out = dir.path().join("explicit.vcbn");
    let o = framewire([
        "encode",
        "vcbn",
        "--input",
        s(&input),
        "--vmin",
        "0",
        "--vmax",
        "1.0",
        "--out",
        s(&out),
    ]);
    assert_ok(&o);
    assert_eq!(
        stdout(&o),
        format!(
            "wrote {} ({} bytes; VCBN uint16, shape (64, 64))\n",
            out.display(),
            want.len()
        )
    );
    assert_eq!(fs::read(&out).unwrap(), want);

    let out = dir.path().join("default.vcbn");
    assert_ok(&framewire([
        "encode",
        "vcbn",
        "--input",
        s(&input),
        "--out",
        s(&out),
    ]));
    assert_eq!(fs::read(&out).unwrap(), want);

    let out = dir.path().join("u8.vcbn");
    assert_ok(&framewire([
        "encode",
        "vcbn",
        "--input",
        s(&input),
        "--dtype",
        "uint8",
        "--out",
        s(&out),
    ]));
    assert_eq!(
        fs::read(&out).unwrap(),
        fs::read(golden("vcbn/readme_linspace_u8.vcbn")).unwrap()
    );
}

#[test]
fn encode_vcbn_negative_exponent_options() {
    let dir = TempDir::new().unwrap();
    let input = golden_input_npy(dir.path(), "specials_neg_range_u16", [48, 40], false);
    let want = fs::read(golden("vcbn/specials_neg_range_u16.vcbn")).unwrap();
    let forms: [&[&str]; 3] = [
        &["--vmin=-1e-05", "--vmax=2.5e-05"],
        &["--vmin", "-1e-05", "--vmax", "2.5e-05"],
        &["--vmax", "2.5E-5", "--vmin", "-0.00001"],
    ];
    for (i, range) in forms.iter().enumerate() {
        let out = dir.path().join(format!("o{i}.vcbn"));
        let mut args = vec!["encode", "vcbn", "--input", s(&input)];
        args.extend_from_slice(range);
        args.extend_from_slice(&["--out", s(&out)]);
        assert_ok(&framewire(&args));
        assert_eq!(fs::read(&out).unwrap(), want, "{range:?}");
    }
}

#[test]
fn encode_vcbn_f64_and_fortran_and_big_endian_inputs() {
    let dir = TempDir::new().unwrap();
    // float64 input.
    let input = golden_input_npy(dir.path(), "f64_input_u16", [20, 30], true);
    let out = dir.path().join("f64.vcbn");
    assert_ok(&framewire([
        "encode",
        "vcbn",
        "--input",
        s(&input),
        "--vmin",
        "-2000",
        "--vmax",
        "2000",
        "--out",
        s(&out),
    ]));
    assert_eq!(
        fs::read(&out).unwrap(),
        fs::read(golden("vcbn/f64_input_u16.vcbn")).unwrap()
    );

    // A Fortran-order, big-endian float32 copy of the 3x7 case.
    let c = f32s(&fs::read(golden("vcbn/shape_3x7_u8.in")).unwrap());
    let mut f = Vec::new();
    for j in 0..7 {
        for i in 0..3 {
            f.push(c[i * 7 + j]);
        }
    }
    let input = dir.path().join("fortran.npy");
    write_npy_order(&input, ">f4", &[3, 7], true, &f);
    let out = dir.path().join("f.vcbn");
    assert_ok(&framewire([
        "encode",
        "vcbn",
        "--input",
        s(&input),
        "--vmin",
        "-2",
        "--vmax",
        "2",
        "--dtype",
        "uint8",
        "--out",
        s(&out),
    ]));
    assert_eq!(
        fs::read(&out).unwrap(),
        fs::read(golden("vcbn/shape_3x7_u8.vcbn")).unwrap()
    );
}

#[test]
fn encode_vcbn_default_range_ignores_nan() {
    let dir = TempDir::new().unwrap();
    let input = dir.path().join("in.npy");
    write_npy_order(
        &input,
        "<f4",
        &[2, 2],
        false,
        &[f32::NAN, -0.5, 2.0, f32::NAN],
    );
    let out = dir.path().join("o.vcbn");
    assert_ok(&framewire([
        "encode",
        "vcbn",
        "--input",
        s(&input),
        "--out",
        s(&out),
    ]));
    let o = framewire(["inspect", s(&out)]);
    assert_ok(&o);
    assert!(
        stdout(&o).contains("\"vmin\":-0.5,\"vmax\":2.0,"),
        "{}",
        stdout(&o)
    );
    // One end given, the other computed.
    assert_ok(&framewire([
        "encode",
        "vcbn",
        "--input",
        s(&input),
        "--vmax",
        "4",
        "--out",
        s(&out),
    ]));
    let o = framewire(["inspect", s(&out)]);
    assert!(
        stdout(&o).contains("\"vmin\":-0.5,\"vmax\":4.0,"),
        "{}",
        stdout(&o)
    );
}

/// Encodes `input` with `args` and returns the file.
fn encode_vcbn_bytes(dir: &Path, input: &Path, args: &[&str]) -> Vec<u8> {
    let out = dir.join("o.vcbn");
    let mut all = vec!["encode", "vcbn", "--input", s(input), "--out", s(&out)];
    all.extend_from_slice(args);
    let o = framewire(&all);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let bytes = fs::read(&out).unwrap();
    fs::remove_file(&out).unwrap();
    bytes
}

/// Integer and bool arrays encode as `np.asarray(a, dtype=np.float32)`
/// would give them to the float32 encoder: each value rounded to the nearest
/// float32 directly (not through float64), bools as 0.0 and 1.0; the default
/// range is the min and max of those float32 values.
#[test]
fn encode_vcbn_integer_and_bool_inputs_convert_like_numpy() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    // Just above the midpoint between two float32 values: rounded directly
    // it goes up; through float64 it first lands on the midpoint, then ties
    // to even, down.
    let i_tricky: i64 = (1 << 53) + (1 << 29) + 1;
    let u_tricky: u64 = (1 << 63) + (1 << 39) + 1;
    assert_ne!(i_tricky as f32, (i_tricky as f64) as f32);
    assert_ne!(u_tricky as f32, (u_tricky as f64) as f32);

    fn check<T: Serialize + Clone>(
        d: &Path,
        name: &str,
        descr: &str,
        data: &[T],
        direct: impl Fn(&T) -> f32,
        via_f64: Option<&dyn Fn(&T) -> f32>,
    ) {
        let input = d.join(format!("{name}.npy"));
        write_npy_order(&input, descr, &[2, 3], false, data);
        let floats = d.join(format!("{name}.f32.npy"));
        let want: Vec<f32> = data.iter().map(direct).collect();
        write_npy_order(&floats, "<f4", &[2, 3], false, &want);
        for args in [
            &[][..],
            &["--dtype", "uint8"],
            &["--vmin", "-2", "--vmax", "3"],
        ] {
            let got = encode_vcbn_bytes(d, &input, args);
            assert_eq!(got, encode_vcbn_bytes(d, &floats, args), "{name} {args:?}");
            if let (Some(via), false) = (via_f64, args.contains(&"--vmin")) {
                // With the default range, the double rounding would change
                // the frame.
                let wrong = d.join(format!("{name}.wrong.npy"));
                let v: Vec<f32> = data.iter().map(via).collect();
                write_npy_order(&wrong, "<f4", &[2, 3], false, &v);
                assert_ne!(got, encode_vcbn_bytes(d, &wrong, args), "{name} {args:?}");
            }
        }
    }

    let i64_via: &dyn Fn(&i64) -> f32 = &|&v| (v as f64) as f32;
    let u64_via: &dyn Fn(&u64) -> f32 = &|&v| (v as f64) as f32;
    // The tricky value in the middle of the range, and as the maximum.
    check(
        d,
        "i64_mid",
        "<i8",
        &[
            1 << 53,
            i_tricky,
            (1 << 53) + (1 << 31),
            1 << 53,
            1 << 53,
            1 << 53,
        ],
        |&v| v as f32,
        Some(i64_via),
    );
    check(
        d,
        "i64_max",
        ">i8",
        &[0, -5, i_tricky, 3, i64::MIN, 7],
        |&v| v as f32,
        Some(i64_via),
    );
    check(
        d,
        "u64",
        "<u8",
        &[
            1 << 63,
            u_tricky,
            (1 << 63) + (1 << 41),
            1 << 63,
            1 << 63,
            1 << 63,
        ],
        |&v| v as f32,
        Some(u64_via),
    );
    check(
        d,
        "i8",
        "|i1",
        &[-128i8, -1, 0, 1, 2, 127],
        |&v| f32::from(v),
        None,
    );
    check(
        d,
        "u8",
        "|u1",
        &[0u8, 1, 2, 3, 200, 255],
        |&v| f32::from(v),
        None,
    );
    check(
        d,
        "i16",
        ">i2",
        &[i16::MIN, -1, 0, 1, 2, i16::MAX],
        |&v| f32::from(v),
        None,
    );
    check(
        d,
        "u16",
        "<u2",
        &[0u16, 1, 2, 3, 4096, u16::MAX],
        |&v| f32::from(v),
        None,
    );
    check(
        d,
        "i32",
        "<i4",
        &[i32::MIN, -1, 0, 16_777_217, 16_777_219, i32::MAX],
        |&v| v as f32,
        None,
    );
    check(
        d,
        "u32",
        ">u4",
        &[0u32, 1, 2, 16_777_217, 16_777_219, u32::MAX],
        |&v| v as f32,
        None,
    );
    check(
        d,
        "bool",
        "|b1",
        &[true, false, false, true, true, false],
        |&v| f32::from(u8::from(v)),
        None,
    );
}

/// An empty float32 input, for the message about a missing range end.
fn empty_for_vmax(dir: &Path) -> PathBuf {
    let path = dir.join("empty_for_vmax.npy");
    write_npy_order::<f32>(&path, "<f4", &[3, 0], false, &[]);
    path
}

#[test]
fn encode_vcbn_bad_inputs_leave_nothing() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("o.vcbn");
    let run = |input: &Path, extra: &[&str]| {
        let mut args = vec!["encode", "vcbn", "--input", s(input), "--out", s(&out)];
        args.extend_from_slice(extra);
        framewire(&args)
    };

    let nan = dir.path().join("nan.npy");
    write_npy_order(&nan, "<f4", &[2, 2], false, &[f32::NAN; 4]);
    assert_bad(
        &run(&nan, &[]),
        "no non-NaN values, so --vmin and --vmax have no default; pass --vmin and --vmax",
    );
    // Only the missing end is asked for.
    let o = run(&nan, &["--vmin", "0"]);
    assert_bad(
        &o,
        "no non-NaN values, so --vmax has no default; pass --vmax",
    );
    assert!(!stderr(&o).contains("pass --vmin"), "{}", stderr(&o));
    let o = run(&nan, &["--vmax", "1"]);
    assert_bad(
        &o,
        "no non-NaN values, so --vmin has no default; pass --vmin",
    );
    assert_bad(
        &run(&empty_for_vmax(dir.path()), &["--vmin", "0"]),
        "input is empty, so --vmax has no default; pass --vmax",
    );
    // With both given, an all-NaN input is fine (every level 0).
    let ok = dir.path().join("ok.vcbn");
    assert_ok(&framewire([
        "encode",
        "vcbn",
        "--input",
        s(&nan),
        "--vmin",
        "0",
        "--vmax",
        "1",
        "--out",
        s(&ok),
    ]));
    fs::remove_file(&ok).unwrap();

    let empty = dir.path().join("empty.npy");
    write_npy_order::<f32>(&empty, "<f4", &[0, 3], false, &[]);
    assert_bad(
        &run(&empty, &[]),
        "input is empty, so --vmin and --vmax have no default; pass --vmin and --vmax",
    );

    let inf = dir.path().join("inf.npy");
    write_npy_order(&inf, "<f8", &[1, 2], false, &[1.0, f64::INFINITY]);
    assert_bad(&run(&inf, &[]), "vmax is not finite");
    assert_bad(
        &run(&nan, &["--vmin", "nan", "--vmax", "1"]),
        "--vmin nan: not a finite number",
    );
    assert_bad(
        &run(&nan, &["--vmin", "0", "--vmax=-inf"]),
        "--vmax -inf: not a finite number",
    );

    let three_d = dir.path().join("3d.npy");
    write_npy_order(&three_d, "<f4", &[2, 2, 2], false, &[0f32; 8]);
    assert_bad(
        &run(&three_d, &[]),
        "expected a 2-D array, found shape (2, 2, 2)",
    );

    let one_d = dir.path().join("1d.npy");
    write_npy_order(&one_d, "<f4", &[4], false, &[0f32; 4]);
    assert_bad(&run(&one_d, &[]), "found shape (4,)");

    // float16 (the header of an int16 file, relabelled).
    let halfs = dir.path().join("halfs.npy");
    write_npy_order(&halfs, "<i2", &[2, 2], false, &[0i16; 4]);
    let bytes = fs::read(&halfs).unwrap();
    let at = bytes.windows(5).position(|w| w == b"'<i2'").unwrap();
    let mut bytes = bytes.clone();
    bytes[at + 2] = b'f';
    fs::write(&halfs, bytes).unwrap();
    assert_bad(
        &run(&halfs, &[]),
        "expected a float32, float64, integer or bool array, found dtype '<f2'",
    );

    let truncated = dir.path().join("trunc.npy");
    let mut bytes = fs::read(&three_d).unwrap();
    bytes.truncate(bytes.len() - 1);
    fs::write(&truncated, bytes).unwrap();
    assert_bad(&run(&truncated, &[]), "expected a 2-D array");
    // A header length (255) longer than the file.
    let truncated2 = dir.path().join("trunc2.npy");
    fs::write(&truncated2, b"\x93NUMPY\x01\x00\xff\x00{").unwrap();
    assert_bad(&run(&truncated2, &[]), "truncated .npy header");

    let not_npy = dir.path().join("junk.npy");
    fs::write(&not_npy, b"hello").unwrap();
    assert_bad(&run(&not_npy, &[]), "not a .npy file");

    assert_bad(&run(&dir.path().join("absent.npy"), &[]), "cannot read");

    assert!(!out.exists());
    assert!(listing(dir.path()).iter().all(|n| n.ends_with(".npy")));
}

/// A non-finite --vmin or --vmax is reported as what was passed, never as
/// something computed from the input; a computed end that is not finite is.
#[test]
fn encode_vcbn_non_finite_options_say_what_was_passed() {
    let dir = TempDir::new().unwrap();
    let input = dir.path().join("in.npy");
    write_npy_order(&input, "<f4", &[1, 2], false, &[0f32, 1.0]);
    let out = dir.path().join("o.vcbn");
    let run = |extra: &[&str]| {
        let mut args = vec!["encode", "vcbn", "--input", s(&input), "--out", s(&out)];
        args.extend_from_slice(extra);
        framewire(&args)
    };
    let cases: [(&[&str], &str); 5] = [
        (&["--vmin", "nan"], "--vmin nan: not a finite number"),
        (&["--vmax", "NaN"], "--vmax NaN: not a finite number"),
        (&["--vmax=-inf"], "--vmax -inf: not a finite number"),
        (
            &["--vmin", "0", "--vmax", "inf"],
            "--vmax inf: not a finite number",
        ),
        (
            &["--vmin", "1e999", "--vmax", "1"],
            "--vmin 1e999: not a finite number",
        ),
    ];
    for (args, needle) in cases {
        let o = run(args);
        assert_bad(&o, needle);
        assert!(!stderr(&o).contains("computed"), "{args:?}: {}", stderr(&o));
    }
    assert!(!out.exists());

    let inf = dir.path().join("inf.npy");
    write_npy_order(&inf, "<f4", &[1, 2], false, &[0f32, f32::INFINITY]);
    let o = framewire([
        "encode",
        "vcbn",
        "--input",
        s(&inf),
        "--vmin",
        "0",
        "--out",
        s(&out),
    ]);
    assert_bad(&o, "vmax is not finite");
    assert_bad(&o, "computed from the input");
}

#[test]
fn encode_vcbn_short_data_is_a_bad_file() {
    let dir = TempDir::new().unwrap();
    let input = dir.path().join("in.npy");
    write_npy_order(&input, "<f4", &[2, 3], false, &[0f32; 6]);
    let mut bytes = fs::read(&input).unwrap();
    bytes.truncate(bytes.len() - 3);
    fs::write(&input, bytes).unwrap();
    let out = dir.path().join("o.vcbn");
    assert_bad(
        &framewire(["encode", "vcbn", "--input", s(&input), "--out", s(&out)]),
        "truncated .npy data",
    );
    assert!(!out.exists());
}

#[test]
fn failed_encode_keeps_the_old_output() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("o.vcbn");
    fs::write(&out, b"previous").unwrap();
    let nan = dir.path().join("nan.npy");
    write_npy_order(&nan, "<f4", &[1, 1], false, &[f32::NAN]);
    assert_bad(
        &framewire(["encode", "vcbn", "--input", s(&nan), "--out", s(&out)]),
        "pass --vmin and --vmax",
    );
    assert_eq!(fs::read(&out).unwrap(), b"previous");
    assert_eq!(listing(dir.path()), ["nan.npy", "o.vcbn"]);
}

/// An output path that is a directory is refused before anything is
/// written, and the directory is left as it was.
#[test]
fn encode_onto_a_directory_is_refused() {
    let dir = TempDir::new().unwrap();
    let input = dir.path().join("in.npy");
    write_npy_order(&input, "<f4", &[1, 2], false, &[0f32, 1.0]);
    let out = dir.path().join("o.vcbn");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("inside"), b"mine").unwrap();
    assert_bad(
        &framewire(["encode", "vcbn", "--input", s(&input), "--out", s(&out)]),
        &format!("{}: is a directory", out.display()),
    );
    assert_eq!(listing(dir.path()), ["in.npy", "o.vcbn"]);
    assert_eq!(listing(&out), ["inside"]);
}

// ---------------------------------------------------------------- encode sac

#[test]
fn encode_sac_matches_golden() {
    let dir = TempDir::new().unwrap();
    let want = fs::read(golden("sample.sac")).unwrap();
    let a2 = dir.path().join("a2.npy");
    let b2 = dir.path().join("b2.npy");
    write_npy_order(&a2, "<i2", &[2, 3], false, &SAMPLE_A);
    write_npy_order(&b2, "<i2", &[2, 3], false, &SAMPLE_B);

    // Width and height from the 2-D A.
    let out = dir.path().join("2d.sac");
    let o = framewire([
        "encode",
        "sac",
        "--a",
        s(&a2),
        "--b",
        s(&b2),
        "--out",
        s(&out),
    ]);
    assert_ok(&o);
    assert_eq!(
        stdout(&o),
        format!(
            "wrote {} ({} bytes; SAC width 3, height 2, 6 + 6 int16 values)\n",
            out.display(),
            want.len()
        )
    );
    assert_eq!(fs::read(&out).unwrap(), want);

    // 1-D inputs (one big-endian) with the shape given.
    let a1 = dir.path().join("a1.npy");
    let b1 = dir.path().join("b1.npy");
    write_npy_order(&a1, "<i2", &[6], false, &SAMPLE_A);
    write_npy_order(&b1, ">i2", &[6], false, &SAMPLE_B);
    let out = dir.path().join("1d.sac");
    assert_ok(&framewire([
        "encode",
        "sac",
        "--a",
        s(&a1),
        "--b",
        s(&b1),
        "--width",
        "3",
        "--height",
        "2",
        "--out",
        s(&out),
    ]));
    assert_eq!(fs::read(&out).unwrap(), want);

    // A Fortran-order A is read in C order.
    let af = dir.path().join("af.npy");
    write_npy_order(&af, "<i2", &[2, 3], true, &[0i16, 2, 1, -2, -1, 3]);
    let out = dir.path().join("f.sac");
    assert_ok(&framewire([
        "encode",
        "sac",
        "--a",
        s(&af),
        "--b",
        s(&b1),
        "--out",
        s(&out),
    ]));
    assert_eq!(fs::read(&out).unwrap(), want);
}

#[test]
fn encode_sac_golden_cases() {
    let dir = TempDir::new().unwrap();
    // (case, shape args)
    let cases: [(&str, &[&str]); 4] = [
        ("no_shape", &[]),
        ("width_only", &["--width", "3"]),
        ("empty", &[]),
        ("random_13x17", &["--width", "13", "--height", "17"]),
    ];
    for (case, shape) in cases {
        let a = dir.path().join(format!("{case}.a.npy"));
        let b = dir.path().join(format!("{case}.b.npy"));
        let av = i16s(&fs::read(golden(&format!("sac/{case}.a.i16"))).unwrap());
        let bv = i16s(&fs::read(golden(&format!("sac/{case}.b.i16"))).unwrap());
        write_npy_order(&a, "<i2", &[av.len() as u64], false, &av);
        write_npy_order(&b, "<i2", &[bv.len() as u64], false, &bv);
        let out = dir.path().join(format!("{case}.sac"));
        let mut args = vec![
            "encode",
            "sac",
            "--a",
            s(&a),
            "--b",
            s(&b),
            "--out",
            s(&out),
        ];
        args.extend_from_slice(shape);
        let o = framewire(&args);
        assert_ok(&o);
        let want = fs::read(golden(&format!("sac/{case}.sac"))).unwrap();
        assert_eq!(fs::read(&out).unwrap(), want, "{case}");
        let frame = framewire::sac::decode(&want).unwrap();
        assert_eq!(
            stdout(&o),
            format!(
                "wrote {} ({} bytes; SAC width {}, height {}, {} + {} int16 values)\n",
                out.display(),
                want.len(),
                frame.width(),
                frame.height(),
                av.len(),
                bv.len()
            ),
            "{case}"
        );
    }
}

#[test]
fn encode_sac_bad_inputs_leave_nothing() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("o.sac");
    let a = dir.path().join("a.npy");
    write_npy_order(&a, "<i2", &[2, 3], false, &SAMPLE_A);
    let run = |a: &Path, b: &Path, extra: &[&str]| {
        let mut args = vec!["encode", "sac", "--a", s(a), "--b", s(b), "--out", s(&out)];
        args.extend_from_slice(extra);
        framewire(&args)
    };

    let f32_b = dir.path().join("f.npy");
    write_npy_order(&f32_b, "<f4", &[2, 3], false, &[0f32; 6]);
    assert_bad(
        &run(&a, &f32_b, &[]),
        "expected an int16 array, found dtype '<f4'",
    );
    let i32_a = dir.path().join("i32.npy");
    write_npy_order(&i32_a, "<i4", &[6], false, &[0i32; 6]);
    assert_bad(&run(&i32_a, &a, &[]), "found dtype '<i4'");
    let u16_a = dir.path().join("u16.npy");
    write_npy_order(&u16_a, "<u2", &[6], false, &[0u16; 6]);
    assert_bad(&run(&u16_a, &a, &[]), "found dtype '<u2'");

    // B's length disagrees with the width*height taken from A.
    let b5 = dir.path().join("b5.npy");
    write_npy_order(&b5, "<i2", &[5], false, &[0i16; 5]);
    assert_bad(&run(&a, &b5, &[]), "shape mismatch");
    assert_bad(&run(&a, &a, &["--width", "4"]), "shape mismatch");

    assert!(!out.exists());
    assert!(listing(dir.path()).iter().all(|n| n.ends_with(".npy")));
}

#[test]
fn encode_into_missing_directory_fails_cleanly() {
    let dir = TempDir::new().unwrap();
    let a = dir.path().join("a.npy");
    write_npy_order(&a, "<i2", &[6], false, &SAMPLE_A);
    let encode =
        |out: &Path| framewire(["encode", "sac", "--a", s(&a), "--b", s(&a), "--out", s(out)]);
    for missing in ["missing", "missing/dir"] {
        let out = dir.path().join(missing).join("o.sac");
        let o = encode(&out);
        assert_bad(
            &o,
            &format!(
                "{}: directory {} does not exist",
                out.display(),
                dir.path().join(missing).display()
            ),
        );
        assert!(!stderr(&o).contains(".framewire-"), "{}", stderr(&o));
    }
    // A file where the directory should be.
    let file = dir.path().join("file");
    fs::write(&file, b"x").unwrap();
    let out = file.join("o.sac");
    let o = encode(&out);
    assert_bad(
        &o,
        &format!("{}: {} is not a directory", out.display(), file.display()),
    );
    assert!(!stderr(&o).contains(".framewire-"), "{}", stderr(&o));
    assert_eq!(listing(dir.path()), ["a.npy", "file"]);
}

// ---------------------------------------------------------------- usage

#[test]
fn usage_errors_exit_2() {
    let sample = golden("sample.sac");
    assert_usage(&framewire(["frobnicate"]), "");
    assert_usage(&framewire::<[&str; 0], &str>([]), "");
    assert_usage(&framewire(["inspect"]), "");
    assert_usage(&framewire(["inspect", s(&sample), "extra"]), "");
    assert_usage(&framewire(["decode", s(&sample)]), "");
    assert_usage(&framewire(["encode"]), "");
    assert_usage(&framewire(["encode", "png", "--out", "x"]), "");
    assert_usage(
        &framewire(["encode", "sac", "--a", "a.npy", "--out", "x"]),
        "",
    );
    assert_usage(
        &framewire([
            "encode", "sac", "--a", "a", "--b", "b", "--width", "-1", "--out", "x",
        ]),
        "",
    );
    assert_usage(&framewire(["encode", "vcbn", "--out", "x"]), "");
    assert_usage(
        &framewire([
            "encode", "vcbn", "--input", "i.npy", "--dtype", "uint32", "--out", "x",
        ]),
        "",
    );
    assert_usage(
        &framewire([
            "encode", "vcbn", "--input", "i.npy", "--vmin", "abc", "--out", "x",
        ]),
        "",
    );
    assert_usage(
        &framewire(["encode", "vcbn", "--input", "i.npy", "--vmin"]),
        "",
    );
}

#[test]
fn help_and_version_exit_0() {
    for args in [
        &["--help"][..],
        &["--version"],
        &["encode", "vcbn", "--help"],
    ] {
        let o = framewire(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        assert!(!o.stdout.is_empty());
    }
}
