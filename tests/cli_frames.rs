//! `framewire frames`: a stream file through the push decoder, one JSON line
//! per frame or error.
#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn golden(rel: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden")
            .join(rel),
    )
    .unwrap()
}

fn frames(file: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_framewire"))
        .arg("frames")
        .arg(file)
        .args(args)
        .output()
        .unwrap()
}

fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn write_tmp(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

/// The golden frames back to back, with their offsets.
fn mixed() -> (Vec<u8>, Vec<(usize, usize, &'static str)>) {
    let parts: [(&str, &str); 5] = [
        ("sample.sac", "sac"),
        ("vcbn/shape_3x7_u8.vcbn", "vcbn"),
        ("vcbn/alias_cbin_u8.vcbn", "vcbn"),
        ("sac/random_13x17.sac", "sac"),
        ("vcbn/readme_linspace_u16.vcbn", "vcbn"),
    ];
    let mut stream = Vec::new();
    let mut spans = Vec::new();
    for (rel, format) in parts {
        let b = golden(rel);
        spans.push((stream.len(), b.len(), format));
        stream.extend_from_slice(&b);
    }
    (stream, spans)
}

#[test]
fn lists_every_frame_whatever_the_chunk_size() {
    let (stream, spans) = mixed();
    let (_dir, path) = write_tmp("stream.bin", &stream);
    let whole = frames(&path, &[]);
    assert_eq!(
        whole.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&whole.stderr)
    );
    assert!(whole.stderr.is_empty());
    let got = lines(&whole);
    assert_eq!(got.len(), spans.len());
    for (line, (offset, len, format)) in got.iter().zip(&spans) {
        assert_eq!(line["offset"], *offset as u64);
        assert_eq!(line["length"], *len as u64);
        assert_eq!(line["format"], *format);
    }
    // Header fields as inspect prints them.
    assert_eq!(got[0]["width"], 3);
    assert_eq!(got[0]["height"], 2);
    assert_eq!(got[1]["shape"], serde_json::json!([3, 7]));
    assert_eq!(got[1]["dtype"], "uint8");
    assert_eq!(got[2]["magic"], "CBIN");
    assert_eq!(got[4]["vmax"], 1.0);
    assert_eq!(got[4]["fmt"], "vcbin");
    for chunk in ["1", "7", "1500"] {
        let out = frames(&path, &["--chunk-size", chunk]);
        assert_eq!(out.stdout, whole.stdout, "chunk size {chunk}");
        assert_eq!(out.status.code(), Some(0));
    }
}

#[test]
fn stops_at_the_first_error_unless_resync() {
    let (mut stream, spans) = mixed();
    let second = spans[1].0;
    stream[second] = b'#';
    stream.truncate(stream.len() - 5);
    let (_dir, path) = write_tmp("bad.bin", &stream);

    let strict = frames(&path, &["--chunk-size", "64"]);
    assert_eq!(strict.status.code(), Some(1));
    let got = lines(&strict);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0]["offset"], 0);
    assert_eq!(got[1]["offset"], second as u64);
    assert!(
        got[1]["error"]
            .as_str()
            .unwrap()
            .starts_with("bad magic \"#CBN\""),
        "{}",
        got[1]
    );

    let resync = frames(&path, &["--resync", "--chunk-size", "5"]);
    assert_eq!(resync.status.code(), Some(1));
    let got = lines(&resync);
    let offsets: Vec<u64> = got.iter().map(|l| l["offset"].as_u64().unwrap()).collect();
    assert_eq!(
        offsets,
        [
            0,
            second as u64,
            spans[2].0 as u64,
            spans[3].0 as u64,
            spans[4].0 as u64
        ]
    );
    assert!(got[1].get("error").is_some());
    assert!(got[2].get("error").is_none() && got[3].get("error").is_none());
    let last = got[4]["error"].as_str().unwrap();
    assert!(last.starts_with("truncated input"), "{last}");
    // Same lines with another chunking.
    assert_eq!(frames(&path, &["--resync"]).stdout, resync.stdout);
}

#[test]
fn empty_file_has_no_frames_and_usage_errors_exit_2() {
    let (_dir, path) = write_tmp("empty.bin", b"");
    let out = frames(&path, &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    assert_eq!(frames(&path, &["--chunk-size", "0"]).status.code(), Some(2));
    let missing = frames(Path::new("/nonexistent/framewire.bin"), &[]);
    assert_eq!(missing.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&missing.stderr).lines().count(), 1);
}

/// The golden frames of `mixed()`, each in a link frame (sequence 0, 1, ...);
/// the link frames' offsets.
fn linked() -> (Vec<u8>, Vec<usize>) {
    let (stream, spans) = mixed();
    let mut wire = Vec::new();
    let mut offsets = Vec::new();
    for (i, (at, len, _)) in spans.iter().enumerate() {
        let payload = &stream[*at..at + len];
        let mut out = vec![0u8; framewire::link::encoded_len(payload.len())];
        let n = framewire::link::encode(i as u32, payload, &mut out).unwrap();
        offsets.push(wire.len() + 1);
        wire.extend_from_slice(&out[..n]);
    }
    (wire, offsets)
}

#[test]
fn link_capture_lists_every_frame_with_its_sequence_number() {
    let (wire, offsets) = linked();
    let (plain, spans) = mixed();
    let (_dir, path) = write_tmp("link.bin", &wire);
    let whole = frames(&path, &["--link"]);
    assert_eq!(
        whole.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&whole.stderr)
    );
    let got = lines(&whole);
    assert_eq!(got.len(), spans.len());
    // The same header fields as `frames` on the bare frames, at the link
    // frames' offsets, with their sequence numbers.
    let (_dir2, plain_path) = write_tmp("stream.bin", &plain);
    let bare = lines(&frames(&plain_path, &[]));
    for (i, (line, bare)) in got.iter().zip(&bare).enumerate() {
        let mut line = line.clone();
        assert_eq!(line["seq"], i as u64);
        assert_eq!(line["offset"], offsets[i] as u64);
        line["offset"] = bare["offset"].clone();
        line.as_object_mut().unwrap().remove("seq");
        assert_eq!(&line, bare);
    }
    for chunk in ["1", "13", "4096"] {
        let out = frames(&path, &["--link", "--chunk-size", chunk]);
        assert_eq!(out.stdout, whole.stdout, "chunk size {chunk}");
    }
    // From a pipe (whose length reads as 0), the same lines.
    #[cfg(unix)]
    {
        use std::io::Write as _;
        let mut child = Command::new(env!("CARGO_BIN_EXE_framewire"))
            .args(["frames", "/dev/stdin", "--link"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&wire).unwrap();
        let piped = child.wait_with_output().unwrap();
        assert_eq!(
            piped.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&piped.stdout)
        );
        assert_eq!(piped.stdout, whole.stdout);
    }
    // Without --link, a link capture is not a stream of frames.
    assert_eq!(frames(&path, &[]).status.code(), Some(1));
    // --link and --resync do not go together.
    assert_eq!(
        frames(&path, &["--link", "--resync"]).status.code(),
        Some(2)
    );
}

#[test]
fn link_capture_reports_damage_gaps_and_payloads_that_are_not_frames() {
    let (mut wire, offsets) = linked();
    // A bit flip in frame 1; frame 4 cut short at the end of the capture.
    wire[offsets[1] + 20] ^= 0x08;
    wire.truncate(offsets[4] + 30);
    let (_dir, path) = write_tmp("link.bin", &wire);
    let out = frames(&path, &["--link"]);
    assert_eq!(out.status.code(), Some(1));
    let got = lines(&out);
    let kinds: Vec<String> = got
        .iter()
        .map(|l| {
            if l.get("damaged").is_some() {
                format!("damaged {}", l["damaged"].as_str().unwrap())
            } else if l.get("lost").is_some() {
                format!("lost {}", l["lost"])
            } else {
                format!("frame {}", l["seq"])
            }
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "frame 0",
            "damaged CRC mismatch",
            "lost 1",
            "frame 2",
            "frame 3",
            "damaged cut short: the stream ended before its delimiter"
        ]
    );
    assert_eq!(got[1]["offset"], offsets[1] as u64);
    assert_eq!(got[2]["expected"], 1);
    assert_eq!(got[2]["got"], 2);
    assert_eq!(got[5]["offset"], offsets[4] as u64);
    assert_eq!(got[5]["length"], 30);

    // An intact link frame whose payload is not one frame.
    let mut wire = vec![0u8; 64];
    let n = framewire::link::encode(0, b"not a frame at all", &mut wire).unwrap();
    let (_dir, path) = write_tmp("junk.bin", &wire[..n]);
    let out = frames(&path, &["--link"]);
    assert_eq!(out.status.code(), Some(1));
    let got = lines(&out);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["seq"], 0);
    assert!(
        got[0]["error"].as_str().unwrap().contains("magic"),
        "{}",
        got[0]
    );
}
