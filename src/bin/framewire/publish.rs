//! `framewire publish DIR`: a folder of images made ready for a CDN.
//!
//! 1. Every `<name>.a.npy` with a `<name>.b.npy` beside it becomes
//!    `<name>.sac`: two `int16` 2-D arrays of one shape `(H, W)`, written
//!    with width `W` and height `H`. (For an image `photo.png`, name the
//!    arrays `photo.png.a.npy` and `photo.png.b.npy` to get `photo.png.sac`,
//!    the URL convention of SAC v1.)
//! 2. Every `<name>.sac` in the folder, those just made included, is checked
//!    with the decoder and precompressed next to itself: `<name>.sac.br`
//!    (brotli, quality 11) and `<name>.sac.gz` (gzip, best compression, no
//!    file name, mtime 0), the variants a CDN origin (or tower-http's
//!    `ServeDir::precompressed_br/gzip`) picks by `Accept-Encoding`.
//!
//! Outputs are deterministic. An output whose bytes would not change is left
//! alone, so its modification time (and so `Last-Modified`) stays put and a
//! second run writes nothing. The others are written to temporaries beside
//! their destination and renamed into place only once every input has been
//! read and checked, so a failed run leaves no partial output behind and
//! every previously published file as it was.
//! On success one summary line goes to stdout.
//!
//! With `--content-addressed`, every `<name>.sac` is also written as
//! `<name>.<hash>.sac` (`<hash>`: the first 16 hex digits of its SHA-256),
//! precompressed the same way, and [`MANIFEST`] maps each `<name>.sac` to
//! that name with the file's size, SHA-256 and Subresource Integrity string
//! (`sha256-<base64>`), which `framewire.js`'s `verifyIntegrity` checks. Only
//! such names are safe to serve with `Cache-Control: immutable`: their bytes
//! can never change. Names of that form are copies, never inputs, and older
//! copies are left in place for pages that still name them.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use framewire::{sac, Shape};

use crate::npy::{self, shape_text};
use crate::output::{commit, report, stage, Staged};
use crate::{bad, shown, Failure};

/// Brotli quality for `.sac.br` (the maximum).
const BROTLI_QUALITY: i32 = 11;
/// Brotli window (log2 bytes), the format's default.
const BROTLI_LGWIN: i32 = 22;

/// The manifest `--content-addressed` writes in the folder.
pub(crate) const MANIFEST: &str = "framewire-manifest.json";
/// Hex digits of the SHA-256 in a content-addressed name.
const HASH_DIGITS: usize = 16;

/// Whether `stem` (of `<stem>.sac`) ends in `.<hash>`: a content-addressed
/// copy.
fn is_content_addressed(stem: &str) -> bool {
    stem.rsplit_once('.').is_some_and(|(_, h)| {
        h.len() == HASH_DIGITS && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// The files of one folder that `publish` cares about.
#[derive(Default)]
struct Inputs {
    /// Stems `<name>` of `<name>.a.npy` files.
    a_npy: BTreeSet<String>,
    /// Stems `<name>` of `<name>.b.npy` files.
    b_npy: BTreeSet<String>,
    /// Stems `<name>` of `<name>.sac` files.
    sac: BTreeSet<String>,
}

/// Lists `dir` (not recursively; regular files with UTF-8 names only).
fn scan(dir: &Path) -> Result<Inputs, Failure> {
    let meta = fs::metadata(dir).map_err(|e| bad(shown(dir), format_args!("cannot read: {e}")))?;
    if !meta.is_dir() {
        return Err(bad(shown(dir), "not a directory"));
    }
    let entries =
        fs::read_dir(dir).map_err(|e| bad(shown(dir), format_args!("cannot read: {e}")))?;
    let mut inputs = Inputs::default();
    for entry in entries {
        let entry = entry.map_err(|e| bad(shown(dir), format_args!("cannot read: {e}")))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.starts_with(".framewire-") {
            continue; // another run's temporary
        }
        let is_file = fs::metadata(entry.path()).is_ok_and(|m| m.is_file());
        if !is_file {
            continue;
        }
        let stem = |suffix: &str| {
            name.strip_suffix(suffix)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        if let Some(s) = stem(".a.npy") {
            inputs.a_npy.insert(s);
        } else if let Some(s) = stem(".b.npy") {
            inputs.b_npy.insert(s);
        } else if let Some(s) = stem(".sac").filter(|s| !is_content_addressed(s)) {
            inputs.sac.insert(s);
        }
    }
    Ok(inputs)
}

/// `<dir>/<stem><suffix>`.
fn file(dir: &Path, stem: &str, suffix: &str) -> PathBuf {
    let mut name = std::ffi::OsString::from(stem);
    name.push(OsStr::new(suffix));
    dir.join(name)
}

/// The SAC file for the pair `<stem>.a.npy`, `<stem>.b.npy`.
fn sac_from_pair(dir: &Path, stem: &str) -> Result<Vec<u8>, Failure> {
    let (a_path, b_path) = (file(dir, stem, ".a.npy"), file(dir, stem, ".b.npy"));
    let a = npy::read_i16(&a_path)?;
    let b = npy::read_i16(&b_path)?;
    let subject = format!("{}, {}", shown(&a_path), shown(&b_path));
    let (h, w) = match (a.shape.as_slice(), b.shape.as_slice()) {
        (&[h, w], sb) if sb == a.shape.as_slice() => (h, w),
        _ => {
            return Err(bad(
                &subject,
                format_args!(
                    "expected two 2-D arrays of one shape (H, W), found {} and {}",
                    shape_text(&a.shape),
                    shape_text(&b.shape)
                ),
            ))
        }
    };
    let dim = |d: u64, what: &str| {
        u32::try_from(d).map_err(|_| {
            bad(
                &subject,
                format_args!("{what} {d} does not fit in the SAC header (u32)"),
            )
        })
    };
    let (width, height) = (dim(w, "width")?, dim(h, "height")?);
    let shape = Shape::new(u64::from(height), u64::from(width));
    sac::encode_to_vec(&a.data, &b.data, shape).map_err(|e| bad(&subject, e))
}

/// Brotli, quality 11.
fn brotli(bytes: &[u8]) -> Result<Vec<u8>, std::io::Error> {
    let params = ::brotli::enc::BrotliEncoderParams {
        quality: BROTLI_QUALITY,
        lgwin: BROTLI_LGWIN,
        size_hint: bytes.len(),
        ..Default::default()
    };
    let mut out = Vec::new();
    ::brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)?;
    Ok(out)
}

/// Gzip at the best level, with no file name and mtime 0 (deterministic).
fn gzip(bytes: &[u8]) -> Result<Vec<u8>, std::io::Error> {
    let mut enc = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes)?;
    enc.finish()
}

/// What a run did.
#[derive(Default)]
struct Tally {
    sac_files: usize,
    written: usize,
    unchanged: usize,
    staged: Vec<Staged>,
}

impl Tally {
    /// Stages `bytes` for `dest` unless `dest` already holds exactly them.
    fn put(&mut self, dest: &Path, bytes: &[u8]) -> Result<(), Failure> {
        match fs::read(dest) {
            Ok(old) if old == bytes => {
                self.unchanged = self.unchanged.saturating_add(1);
                Ok(())
            }
            _ => {
                self.staged.push(stage(dest, bytes)?);
                self.written = self.written.saturating_add(1);
                Ok(())
            }
        }
    }
}

/// Runs `publish`.
pub(crate) fn run(dir: &Path, content_addressed: bool) -> Result<(), Failure> {
    let inputs = scan(dir)?;
    if let Some(stem) = inputs.a_npy.symmetric_difference(&inputs.b_npy).next() {
        let (have, missing) = if inputs.a_npy.contains(stem) {
            (".a.npy", ".b.npy")
        } else {
            (".b.npy", ".a.npy")
        };
        let other = file(dir, stem, missing);
        if fs::symlink_metadata(&other).is_ok() {
            // There, but not a regular file (scan skips those).
            return Err(bad(
                shown(&other),
                "not a regular file (arrays come in pairs of .npy files)",
            ));
        }
        return Err(bad(
            shown(&file(dir, stem, have)),
            format_args!("no {stem}{missing} beside it (arrays come in pairs)"),
        ));
    }

    let mut tally = Tally::default();
    let mut manifest = serde_json::Map::new();
    let mut stems: BTreeSet<&String> = inputs.sac.iter().collect();
    for stem in &inputs.a_npy {
        let sac_bytes = sac_from_pair(dir, stem)?;
        tally.put(&file(dir, stem, ".sac"), &sac_bytes)?;
        stems.remove(stem);
        precompress(dir, stem, &sac_bytes, &mut tally)?;
        if content_addressed {
            address(dir, stem, &sac_bytes, &mut tally, &mut manifest)?;
        }
    }
    for stem in stems {
        let path = file(dir, stem, ".sac");
        let sac_bytes =
            fs::read(&path).map_err(|e| bad(shown(&path), format_args!("cannot read: {e}")))?;
        sac::decode(&sac_bytes).map_err(|e| bad(shown(&path), e))?;
        precompress(dir, stem, &sac_bytes, &mut tally)?;
        if content_addressed {
            address(dir, stem, &sac_bytes, &mut tally, &mut manifest)?;
        }
    }
    if content_addressed {
        let mut text = serde_json::to_string_pretty(&serde_json::json!({ "files": manifest }))
            .map_err(|e| bad(MANIFEST, e))?;
        text.push('\n');
        tally.put(&dir.join(MANIFEST), text.as_bytes())?;
    }

    let Tally {
        sac_files,
        written,
        unchanged,
        staged,
    } = tally;
    commit(staged)?;
    report(format_args!(
        "{}: {sac_files} .sac file(s) published; {written} file(s) written, {unchanged} unchanged",
        shown(dir)
    ))
}

/// Stages `<stem>.<hash>.sac` with its variants, and its manifest entry.
fn address(
    dir: &Path,
    stem: &str,
    sac_bytes: &[u8],
    tally: &mut Tally,
    manifest: &mut serde_json::Map<String, serde_json::Value>,
) -> Result<(), Failure> {
    use base64::Engine as _;
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(sac_bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let short = hex.get(..HASH_DIGITS).unwrap_or(&hex);
    let named = format!("{stem}.{short}");
    tally.put(&file(dir, &named, ".sac"), sac_bytes)?;
    let path = file(dir, &named, ".sac");
    let fail = |e: std::io::Error| bad(shown(&path), format_args!("cannot compress: {e}"));
    tally.put(
        &file(dir, &named, ".sac.br"),
        &brotli(sac_bytes).map_err(fail)?,
    )?;
    tally.put(
        &file(dir, &named, ".sac.gz"),
        &gzip(sac_bytes).map_err(fail)?,
    )?;
    let sri = base64::engine::general_purpose::STANDARD.encode(digest);
    manifest.insert(
        format!("{stem}.sac"),
        serde_json::json!({
            "url": format!("{named}.sac"),
            "size": sac_bytes.len(),
            "sha256": hex,
            "integrity": format!("sha256-{sri}"),
        }),
    );
    Ok(())
}

/// Stages `<stem>.sac.br` and `<stem>.sac.gz`.
fn precompress(dir: &Path, stem: &str, sac_bytes: &[u8], tally: &mut Tally) -> Result<(), Failure> {
    let path = file(dir, stem, ".sac");
    let fail = |e: std::io::Error| bad(shown(&path), format_args!("cannot compress: {e}"));
    tally.put(
        &file(dir, stem, ".sac.br"),
        &brotli(sac_bytes).map_err(fail)?,
    )?;
    tally.put(&file(dir, stem, ".sac.gz"), &gzip(sac_bytes).map_err(fail)?)?;
    tally.sac_files = tally.sac_files.saturating_add(1);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressors_round_trip_and_are_deterministic() -> Result<(), std::io::Error> {
        let data: Vec<u8> = (0..5000u32).map(|i| (i % 7) as u8).collect();
        let br = brotli(&data)?;
        assert_eq!(br, brotli(&data)?);
        let mut back = Vec::new();
        ::brotli::BrotliDecompress(&mut &br[..], &mut back)?;
        assert_eq!(back, data);

        let gz = gzip(&data)?;
        assert_eq!(gz, gzip(&data)?);
        let mut back = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut back)?;
        assert_eq!(back, data);
        Ok(())
    }
}
