//! `framewire publish DIR`: `.npy` pairs to `.sac`, every `.sac` to `.sac.br`
//! and `.sac.gz`; deterministic, idempotent, all or nothing, one stderr line
//! on bad input.

#![cfg(feature = "cli")]

use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Output};
use std::time::SystemTime;

use framewire::{sac, Shape};
use tempfile::TempDir;

#[path = "common/cli.rs"]
mod cli_common;
use cli_common::*;

fn publish(dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_framewire"))
        .arg("publish")
        .arg(dir)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

fn brotli_decode(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::BrotliDecompress(&mut &bytes[..], &mut out).unwrap();
    out
}

fn gzip_decode(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn sac_bytes(a: &[i16], b: &[i16], w: u32, h: u32) -> Vec<u8> {
    sac::encode_to_vec(a, b, Shape::from([h, w])).unwrap()
}

fn mtimes(dir: &Path) -> Vec<(String, SystemTime)> {
    listing(dir)
        .into_iter()
        .map(|n| {
            let t = fs::metadata(dir.join(&n)).unwrap().modified().unwrap();
            (n, t)
        })
        .collect()
}

/// A folder with an image's arrays (2x3) and a ready-made `.sac`.
fn folder() -> (TempDir, Vec<i16>, Vec<i16>, Vec<u8>) {
    let dir = TempDir::new().unwrap();
    let a: Vec<i16> = vec![0, 1, -1, 2, -2, 3];
    let b: Vec<i16> = vec![5, -5, 4, -4, 0, 1];
    write_npy(&dir.path().join("photo.png.a.npy"), "<i2", &[2, 3], &a);
    write_npy(&dir.path().join("photo.png.b.npy"), ">i2", &[2, 3], &b);
    // A bigger, compressible one that exists only as .sac.
    let big_a: Vec<i16> = (0..20_000).map(|i| ((i % 200) as i16) - 100).collect();
    let big_b = vec![7i16; 20_000];
    let other = sac_bytes(&big_a, &big_b, 200, 100);
    fs::write(dir.path().join("other.jpg.sac"), &other).unwrap();
    fs::write(dir.path().join("photo.png"), b"not really a png").unwrap();
    (dir, a, b, other)
}

#[test]
fn writes_sac_and_precompressed_variants() {
    let (dir, a, b, other) = folder();
    let o = publish(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(o.stderr.is_empty());
    assert_eq!(
        text(&o.stdout),
        format!(
            "{}: 2 .sac file(s) published; 5 file(s) written, 0 unchanged\n",
            dir.path().display()
        )
    );
    assert_eq!(
        listing(dir.path()),
        [
            "other.jpg.sac",
            "other.jpg.sac.br",
            "other.jpg.sac.gz",
            "photo.png",
            "photo.png.a.npy",
            "photo.png.b.npy",
            "photo.png.sac",
            "photo.png.sac.br",
            "photo.png.sac.gz",
        ]
    );
    // The .sac is the library's (the Python reference encoder, docs/FORMATS.md §2.6) with the 2-D shape.
    let photo = fs::read(dir.path().join("photo.png.sac")).unwrap();
    assert_eq!(photo, sac_bytes(&a, &b, 3, 2));
    let frame = sac::decode(&photo).unwrap();
    assert_eq!((frame.width(), frame.height()), (3, 2));
    // Every variant decompresses to its .sac.
    for (name, sac) in [("photo.png", &photo), ("other.jpg", &other)] {
        let br = fs::read(dir.path().join(format!("{name}.sac.br"))).unwrap();
        let gz = fs::read(dir.path().join(format!("{name}.sac.gz"))).unwrap();
        assert_eq!(&brotli_decode(&br), sac, "{name}.sac.br");
        assert_eq!(&gzip_decode(&gz), sac, "{name}.sac.gz");
        // gzip: no file name (FLG = 0), mtime 0, best compression (XFL = 2).
        assert_eq!(&gz[..10], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff]);
    }
    // The big one really is compressed.
    let br = fs::metadata(dir.path().join("other.jpg.sac.br"))
        .unwrap()
        .len();
    assert!(
        br * 10 < other.len() as u64,
        "br {br} bytes of {}",
        other.len()
    );
}

#[test]
fn a_second_run_changes_nothing() {
    let (dir, ..) = folder();
    assert_eq!(publish(dir.path()).status.code(), Some(0));
    let before = mtimes(dir.path());
    let bytes_before: Vec<Vec<u8>> = listing(dir.path())
        .iter()
        .map(|n| fs::read(dir.path().join(n)).unwrap())
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let o = publish(dir.path());
    assert_eq!(o.status.code(), Some(0));
    assert!(
        text(&o.stdout).ends_with(": 2 .sac file(s) published; 0 file(s) written, 5 unchanged\n")
    );
    assert_eq!(mtimes(dir.path()), before, "files were rewritten");
    let bytes_after: Vec<Vec<u8>> = listing(dir.path())
        .iter()
        .map(|n| fs::read(dir.path().join(n)).unwrap())
        .collect();
    assert_eq!(bytes_after, bytes_before);

    // A changed .sac gets fresh variants; a stale variant is replaced.
    fs::write(dir.path().join("other.jpg.sac.gz"), b"stale").unwrap();
    let o = publish(dir.path());
    assert!(
        text(&o.stdout).ends_with("1 file(s) written, 4 unchanged\n"),
        "{}",
        text(&o.stdout)
    );
    let other = fs::read(dir.path().join("other.jpg.sac")).unwrap();
    let gz = fs::read(dir.path().join("other.jpg.sac.gz")).unwrap();
    assert_eq!(gzip_decode(&gz), other);
}

#[test]
fn an_empty_folder_is_fine() {
    let dir = TempDir::new().unwrap();
    let o = publish(dir.path());
    assert_eq!(o.status.code(), Some(0));
    assert!(
        text(&o.stdout).ends_with(": 0 .sac file(s) published; 0 file(s) written, 0 unchanged\n")
    );
    assert!(listing(dir.path()).is_empty());
}

/// Bad input: exit 1, one line, and nothing written (no temporaries left).
fn assert_bad_leaves_nothing(setup: impl FnOnce(&Path), needle: &str) {
    let (dir, ..) = folder();
    setup(dir.path());
    let before = listing(dir.path());
    assert_bad(&publish(dir.path()), needle);
    assert_eq!(listing(dir.path()), before);
}

#[test]
fn bad_inputs_fail_with_one_line_and_write_nothing() {
    assert_bad_leaves_nothing(
        |d| fs::remove_file(d.join("photo.png.b.npy")).unwrap(),
        "photo.png.a.npy: no photo.png.b.npy beside it",
    );
    assert_bad_leaves_nothing(
        |d| fs::remove_file(d.join("photo.png.a.npy")).unwrap(),
        "photo.png.b.npy: no photo.png.a.npy beside it",
    );
    assert_bad_leaves_nothing(
        |d| write_npy(&d.join("photo.png.b.npy"), "<i2", &[3, 2], &[0i16; 6]),
        "expected two 2-D arrays of one shape (H, W), found (2, 3) and (3, 2)",
    );
    assert_bad_leaves_nothing(
        |d| {
            write_npy(&d.join("x.a.npy"), "<i2", &[6], &[0i16; 6]);
            write_npy(&d.join("x.b.npy"), "<i2", &[6], &[0i16; 6]);
        },
        "found (6,) and (6,)",
    );
    assert_bad_leaves_nothing(
        |d| write_npy(&d.join("photo.png.a.npy"), "<f4", &[2, 3], &[0f32; 6]),
        "expected an int16 array, found dtype '<f4'",
    );
    assert_bad_leaves_nothing(
        |d| fs::write(d.join("photo.png.a.npy"), b"garbage").unwrap(),
        "not a .npy file",
    );
    assert_bad_leaves_nothing(
        |d| fs::write(d.join("broken.sac"), b"SAC1\x00\x01\x03\x00").unwrap(),
        "broken.sac: truncated input",
    );
    assert_bad_leaves_nothing(
        |d| {
            let mut s = sac_bytes(&[1, 2], &[3, 4], 2, 1);
            s.push(0);
            fs::write(d.join("long.sac"), s).unwrap();
        },
        "long.sac: trailing bytes",
    );
}

/// Half of a pair that is there but is not a file is not reported as
/// missing.
#[test]
fn half_a_pair_that_is_not_a_file() {
    let (dir, ..) = folder();
    fs::remove_file(dir.path().join("photo.png.a.npy")).unwrap();
    fs::create_dir(dir.path().join("photo.png.a.npy")).unwrap();
    let before = listing(dir.path());
    assert_bad(
        &publish(dir.path()),
        &format!(
            "{}: not a regular file (arrays come in pairs of .npy files)",
            dir.path().join("photo.png.a.npy").display()
        ),
    );
    assert_eq!(listing(dir.path()), before);
}

#[test]
fn not_a_directory() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("f");
    fs::write(&file, b"x").unwrap();
    assert_bad(&publish(&file), "not a directory");
    assert_bad(&publish(&dir.path().join("missing")), "cannot read");
}

#[test]
fn usage_errors_exit_2() {
    let o = Command::new(env!("CARGO_BIN_EXE_framewire"))
        .arg("publish")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

/// A failed run leaves every file it would have replaced exactly as it was,
/// and no temporaries: here a directory is in the way of a new output.
#[test]
fn a_failed_run_keeps_what_was_published() {
    for in_the_way in ["b.sac", "b.sac.br", "b.sac.gz"] {
        let dir = TempDir::new().unwrap();
        let d = dir.path();
        write_npy(&d.join("a.a.npy"), "<i2", &[2, 3], &[1i16, 2, 3, 4, 5, 6]);
        write_npy(&d.join("a.b.npy"), "<i2", &[2, 3], &[6i16, 5, 4, 3, 2, 1]);
        assert_eq!(publish(d).status.code(), Some(0));
        let published: Vec<(&str, Vec<u8>)> = ["a.sac", "a.sac.br", "a.sac.gz"]
            .into_iter()
            .map(|n| (n, fs::read(d.join(n)).unwrap()))
            .collect();

        // New arrays for a (so all three of its outputs would be replaced),
        // and a new pair b with a directory where one of its outputs goes.
        write_npy(&d.join("a.a.npy"), "<i2", &[2, 3], &[-1i16; 6]);
        write_npy(&d.join("b.a.npy"), "<i2", &[1, 2], &[7i16, 8]);
        write_npy(&d.join("b.b.npy"), "<i2", &[1, 2], &[9i16, 10]);
        fs::create_dir(d.join(in_the_way)).unwrap();
        fs::write(d.join(in_the_way).join("inside"), b"mine").unwrap();
        let before = listing(d);

        let o = publish(d);
        assert_eq!(listing(d), before, "{in_the_way}");
        for (name, bytes) in &published {
            assert_eq!(&fs::read(d.join(name)).unwrap(), bytes, "{name}");
        }
        assert_eq!(listing(&d.join(in_the_way)), ["inside"]);
        assert_bad(
            &o,
            &format!("{}: is a directory", d.join(in_the_way).display()),
        );
    }
}

fn publish_addressed(dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_framewire"))
        .args(["publish", "--content-addressed"])
        .arg(dir)
        .output()
        .unwrap()
}

#[test]
fn content_addressed_names_and_a_manifest_with_sri_hashes() {
    use base64::Engine as _;
    use sha2::Digest as _;
    let (dir, _, _, other) = folder();
    let o = publish_addressed(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let photo = fs::read(dir.path().join("photo.png.sac")).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("framewire-manifest.json")).unwrap())
            .unwrap();
    let files = manifest["files"].as_object().unwrap();
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        ["other.jpg.sac", "photo.png.sac"]
    );
    let mut expected = vec!["framewire-manifest.json".to_owned()];
    for (name, bytes) in [("other.jpg", &other), ("photo.png", &photo)] {
        let digest = sha2::Sha256::digest(bytes);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        let entry = &files[&format!("{name}.sac")];
        let url = format!("{name}.{}.sac", &hex[..16]);
        assert_eq!(entry["url"], url.as_str());
        assert_eq!(entry["size"], bytes.len());
        assert_eq!(entry["sha256"], hex.as_str());
        let sri = base64::engine::general_purpose::STANDARD.encode(digest);
        assert_eq!(entry["integrity"], format!("sha256-{sri}").as_str());
        // The copy and its variants hold the same bytes as the plain name.
        assert_eq!(&fs::read(dir.path().join(&url)).unwrap(), bytes);
        let br = fs::read(dir.path().join(format!("{url}.br"))).unwrap();
        assert_eq!(&brotli_decode(&br), bytes);
        let gz = fs::read(dir.path().join(format!("{url}.gz"))).unwrap();
        assert_eq!(&gzip_decode(&gz), bytes);
        expected.extend([url.clone(), format!("{url}.br"), format!("{url}.gz")]);
    }
    for f in expected {
        assert!(listing(dir.path()).contains(&f), "{f} missing");
    }
    // A second run writes nothing, and takes no copy for an input.
    let before = listing(dir.path());
    let o = publish_addressed(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("2 .sac file(s) published; 0 file(s) written"),
        "{}",
        text(&o.stdout)
    );
    assert_eq!(listing(dir.path()), before);
    // New bytes under the plain name: a new copy; the old one stays.
    fs::write(
        dir.path().join("other.jpg.sac"),
        sac_bytes(&[1; 4], &[2; 4], 2, 2),
    )
    .unwrap();
    let old_url = files["other.jpg.sac"]["url"].as_str().unwrap().to_owned();
    assert_eq!(publish_addressed(dir.path()).status.code(), Some(0));
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("framewire-manifest.json")).unwrap())
            .unwrap();
    let new_url = manifest["files"]["other.jpg.sac"]["url"].as_str().unwrap();
    assert_ne!(new_url, old_url);
    assert!(dir.path().join(new_url).is_file());
    assert!(dir.path().join(&old_url).is_file());
}
