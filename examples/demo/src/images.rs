//! The demo's image folder, made on first start: three small procedural
//! pictures, two of them with SAC companions.
//!
//! For each `<name>.png` with a companion, `<name>.png.sac` holds the image's
//! luminance gradient (Sobel `gx` as array A, `gy` as array B, `int16`), so
//! the page's magnitude overlay outlines its edges; `.sac.br` and `.sac.gz`
//! are its precompressed variants, byte-identical to what
//! `framewire publish DIR` writes. `meadow.png` has no companion, to show the
//! page carrying on without an overlay.

use std::io::Write;
use std::path::Path;

/// The folder's name under the system temp directory. Bump the suffix when
/// the pictures change.
pub const DEFAULT_DIR_NAME: &str = "framewire-demo-images-v2";

const W: usize = 320;
const H: usize = 200;

/// Paints the colour at `(u, v)` (both 0..1); with `detail` off, fine
/// detail (stars) is left out: the SAC arrays describe the large shapes.
type Painter = fn(f32, f32, bool) -> [f32; 3];

/// (file name, painter, with a SAC companion)
const IMAGES: [(&str, Painter, bool); 3] = [
    ("aurora.png", aurora, true),
    ("dunes.png", dunes, true),
    ("meadow.png", meadow, false),
];

fn mix(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    let t = t.clamp(0.0, 1.0);
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

fn smooth(e0: f32, e1: f32, x: f32) -> f32 {
    let t = ((x - e0) / (e1 - e0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// A cheap deterministic hash in 0..1 (for stars).
fn hash(x: u32, y: u32) -> f32 {
    let mut h = x.wrapping_mul(374_761_393) ^ y.wrapping_mul(668_265_263);
    h = (h ^ (h >> 13)).wrapping_mul(1_274_126_177);
    (h ^ (h >> 16)) as f32 / u32::MAX as f32
}

/// Night sky, green curtains of light, a mountain ridge. `u`, `v` in 0..1.
fn aurora(u: f32, v: f32, detail: bool) -> [f32; 3] {
    let mut c = mix([0.02, 0.03, 0.10], [0.10, 0.05, 0.22], v);
    let star = hash((u * W as f32) as u32, (v * H as f32) as u32);
    if detail && star > 0.996 {
        c = mix(c, [1.0, 1.0, 0.9], (star - 0.996) * 250.0);
    }
    for (i, (amp, freq, base)) in [(0.08f32, 7.0f32, 0.30f32), (0.06, 11.0, 0.42)]
        .iter()
        .enumerate()
    {
        let y0 = base + amp * (freq * u + i as f32).sin();
        let band = (-((v - y0) / 0.05).powi(2)).exp() * (0.6 + 0.4 * (23.0 * u).sin().abs());
        c = mix(c, [0.2, 0.95, 0.5], band * 0.8);
    }
    let ridge = 0.72 + 0.08 * (9.0 * u).sin() * (3.0 * u + 1.0).cos() + 0.03 * (37.0 * u).sin();
    if v > ridge {
        c = mix([0.05, 0.06, 0.08], [0.01, 0.01, 0.02], (v - ridge) * 4.0);
    }
    c
}

/// Desert under a low sun.
fn dunes(u: f32, v: f32, _detail: bool) -> [f32; 3] {
    let mut c = mix([0.55, 0.75, 0.95], [0.98, 0.85, 0.65], v * 1.6);
    let sun = ((u - 0.75).powi(2) + (v - 0.28).powi(2) * 1.6).sqrt();
    c = mix(c, [1.0, 0.97, 0.85], 1.0 - smooth(0.06, 0.075, sun));
    for (k, (base, amp, freq, shade)) in [
        (0.55f32, 0.06f32, 5.0f32, [0.90f32, 0.68f32, 0.40f32]),
        (0.68, 0.05, 8.0, [0.82, 0.56, 0.30]),
        (0.82, 0.04, 12.0, [0.72, 0.46, 0.24]),
    ]
    .iter()
    .enumerate()
    {
        let crest = base + amp * (freq * u + k as f32 * 1.7).sin();
        if v > crest {
            // The lee side of each ripple is darker.
            let slope = (freq * u + k as f32 * 1.7).cos();
            let lit = 0.85 + 0.15 * slope;
            c = [shade[0] * lit, shade[1] * lit, shade[2] * lit];
        }
    }
    c
}

/// Green hills and a blue sky with one cloud.
fn meadow(u: f32, v: f32, _detail: bool) -> [f32; 3] {
    let mut c = mix([0.35, 0.6, 0.95], [0.75, 0.88, 1.0], v * 1.8);
    let cloud = ((u - 0.3).powi(2) * 0.6 + (v - 0.22).powi(2) * 4.0).sqrt();
    c = mix(c, [1.0, 1.0, 1.0], 1.0 - smooth(0.05, 0.09, cloud));
    let hill1 = 0.58 + 0.07 * (4.0 * u + 0.5).sin();
    let hill2 = 0.72 + 0.05 * (6.0 * u + 2.0).sin();
    if v > hill1 {
        c = mix([0.35, 0.65, 0.25], [0.25, 0.5, 0.18], (v - hill1) * 3.0);
    }
    if v > hill2 {
        c = mix([0.22, 0.5, 0.15], [0.12, 0.35, 0.1], (v - hill2) * 3.0);
    }
    c
}

/// RGB bytes of a painter.
fn render(paint: Painter, detail: bool) -> Vec<u8> {
    let mut rgb = Vec::with_capacity(W * H * 3);
    for y in 0..H {
        for x in 0..W {
            let c = paint(
                (x as f32 + 0.5) / W as f32,
                (y as f32 + 0.5) / H as f32,
                detail,
            );
            rgb.extend(c.iter().map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8));
        }
    }
    rgb
}

fn png(rgb: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, W as u32, H as u32);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header().map_err(std::io::Error::other)?;
    writer
        .write_image_data(rgb)
        .map_err(std::io::Error::other)?;
    writer.finish().map_err(std::io::Error::other)?;
    Ok(out)
}

/// Sobel gradient of the luminance (0..255 scale) as two int16 arrays.
fn sobel(rgb: &[u8]) -> (Vec<i16>, Vec<i16>) {
    let lum: Vec<i32> = rgb
        .chunks_exact(3)
        .map(|p| (299 * i32::from(p[0]) + 587 * i32::from(p[1]) + 114 * i32::from(p[2])) / 1000)
        .collect();
    let at = |x: isize, y: isize| {
        let x = x.clamp(0, W as isize - 1) as usize;
        let y = y.clamp(0, H as isize - 1) as usize;
        lum[y * W + x]
    };
    let (mut gx, mut gy) = (Vec::with_capacity(W * H), Vec::with_capacity(W * H));
    for y in 0..H as isize {
        for x in 0..W as isize {
            let sx = at(x + 1, y - 1) + 2 * at(x + 1, y) + at(x + 1, y + 1)
                - at(x - 1, y - 1)
                - 2 * at(x - 1, y)
                - at(x - 1, y + 1);
            let sy = at(x - 1, y + 1) + 2 * at(x, y + 1) + at(x + 1, y + 1)
                - at(x - 1, y - 1)
                - 2 * at(x, y - 1)
                - at(x + 1, y - 1);
            // |Sobel| <= 4 * 255: fits int16.
            gx.push(sx as i16);
            gy.push(sy as i16);
        }
    }
    (gx, gy)
}

/// Brotli at quality 11 and window 22, as `framewire publish` writes it.
pub fn brotli(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        size_hint: bytes.len(),
        ..Default::default()
    };
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)?;
    Ok(out)
}

/// Gzip at the best level, mtime 0, no name, as `framewire publish` writes it.
pub fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut enc = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes)?;
    enc.finish()
}

/// Writes `bytes` to `path` through a temporary file and a rename.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// Makes the demo images in `dir` unless they are all there already.
pub fn ensure_demo_images(dir: &Path) -> std::io::Result<()> {
    let complete = IMAGES.iter().all(|(name, _, with_sac)| {
        let exts: &[&str] = if *with_sac {
            &["", ".sac", ".sac.br", ".sac.gz"]
        } else {
            &[""]
        };
        exts.iter()
            .all(|e| dir.join(format!("{name}{e}")).is_file())
    });
    if complete {
        return Ok(());
    }
    std::fs::create_dir_all(dir)?;
    for (name, paint, with_sac) in IMAGES {
        write_atomic(&dir.join(name), &png(&render(paint, true))?)?;
        if with_sac {
            let (a, b) = sobel(&render(paint, false));
            let sac = framewire::sac::encode_to_vec(&a, &b, framewire::Shape::from([H, W]))
                .map_err(std::io::Error::other)?;
            write_atomic(&dir.join(format!("{name}.sac")), &sac)?;
            write_atomic(&dir.join(format!("{name}.sac.br")), &brotli(&sac)?)?;
            write_atomic(&dir.join(format!("{name}.sac.gz")), &gzip(&sac)?)?;
        }
    }
    Ok(())
}
