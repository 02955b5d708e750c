//! Round trips through the encoders and decoders, on structured inputs.
//!
//! - SAC: arbitrary arrays and width/height -> `sac::encode` (and the
//!   streaming `SacEncoder`, in arbitrary pieces) -> `sac::decode` -> equal.
//! - VCBN: arbitrary f32/f64/complex samples, shape, range and dtype ->
//!   `vcbn::encode` (and `VcbnEncoder`) -> `vcbn::decode` -> header fields
//!   equal, levels equal to `quant::quantize_*` and to the SPEC §3 formula
//!   computed here independently.
//! - Levels: arbitrary levels -> `encode_levels` -> decode -> equal.
//! - Header: any shape and finite range -> the canonical header fits
//!   `MAX_CANONICAL_HEADER_LEN` and parses back to the same fields.
//! - Floats and strings: `json::write_f64` and `json::write_str` read back
//!   exactly through the JSON reader.
//! - Bytes: any input that decodes and is canonical re-encodes to itself.
#![no_main]

use arbitrary::Arbitrary;
use framewire::json::{self, Reader, Token};
use framewire::quant::{self, ComplexPart, Samples};
use framewire::stream::{SacEncoder, VcbnEncoder};
use framewire::vcbn::{self, Dtype, Endianness, Levels, Limits, Magic, Order, Params};
use framewire::{sac, Error};
use framewire_fuzz::{check_sac, check_vcbn, same_f64, show_err, SMALL};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Input {
    Sac {
        a: Vec<i16>,
        b: Vec<i16>,
        shape: ShapeSel,
        pieces: Vec<u8>,
    },
    Vcbn {
        samples: SampleSel,
        rows: u8,
        u16: bool,
        vmin: f64,
        vmax: f64,
        pieces: Vec<u8>,
    },
    Levels {
        levels: LevelSel,
        rows: u8,
        vmin: f64,
        vmax: f64,
    },
    Header {
        h: u64,
        w: u64,
        u16: bool,
        vmin: f64,
        vmax: f64,
    },
    Float(f64),
    Str(String),
    SacBytes(Vec<u8>),
    VcbnBytes(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum ShapeSel {
    /// width = height = 0.
    Unknown,
    /// Arbitrary; usually contradicts the lengths.
    Any(u32, u32),
    /// A width that divides the common length (both arrays cut to it).
    Rows(u8),
}

#[derive(Arbitrary, Debug)]
enum SampleSel {
    F32(Vec<f32>),
    F64(Vec<f64>),
    C32(Vec<f32>, bool),
    C64(Vec<f64>, bool),
}

#[derive(Arbitrary, Debug)]
enum LevelSel {
    U8(Vec<u8>),
    U16(Vec<u16>),
}

fuzz_target!(|input: Input| {
    match input {
        Input::Sac {
            a,
            b,
            shape,
            pieces,
        } => sac_case(a, b, shape, &pieces),
        Input::Vcbn {
            samples,
            rows,
            u16,
            vmin,
            vmax,
            pieces,
        } => vcbn_case(samples, rows, u16, vmin, vmax, &pieces),
        Input::Levels {
            levels,
            rows,
            vmin,
            vmax,
        } => levels_case(levels, rows, vmin, vmax),
        Input::Header {
            h,
            w,
            u16,
            vmin,
            vmax,
        } => header_case([h, w], u16, vmin, vmax),
        Input::Float(x) => float_case(x),
        Input::Str(s) => str_case(&s),
        Input::SacBytes(bytes) => check_sac(&bytes),
        Input::VcbnBytes(bytes) => {
            check_vcbn(&bytes, &Limits::DEFAULT);
            check_vcbn(&bytes, &SMALL);
        }
    }
});

fn piece_len(pieces: &[u8], i: usize) -> usize {
    pieces
        .get(i % pieces.len().max(1))
        .map_or(7, |&p| usize::from(p) + 1)
}

fn sac_case(mut a: Vec<i16>, mut b: Vec<i16>, shape: ShapeSel, pieces: &[u8]) {
    let (w, h) = match shape {
        ShapeSel::Unknown => (0, 0),
        ShapeSel::Any(w, h) => (w, h),
        ShapeSel::Rows(r) => {
            let r = usize::from(r % 8) + 1;
            let n = a.len().min(b.len()) / r * r;
            a.truncate(n);
            b.truncate(n);
            ((n / r) as u32, r as u32)
        }
    };
    let area = u64::from(w) * u64::from(h);
    let n = sac::encoded_len(a.len(), b.len()).unwrap();
    assert_eq!(n, 24 + 2 * a.len() + 2 * b.len());
    let mut out = vec![0u8; n];
    let r = sac::encode(&a, &b, w, h, &mut out);
    if area != 0 && (area != a.len() as u64 || area != b.len() as u64) {
        let e = r.unwrap_err();
        show_err(&e);
        assert!(matches!(e, Error::ShapeMismatch { .. }));
        assert!(SacEncoder::new(a.len(), b.len(), w, h).is_err());
        return;
    }
    assert_eq!(r, Ok(n));
    let f = sac::decode(&out).unwrap();
    assert_eq!((f.width(), f.height(), f.flags()), (w, h, 0));
    assert!(f.a_iter().eq(a.iter().copied()));
    assert!(f.b_iter().eq(b.iter().copied()));
    if n > 0 {
        let e = sac::encode(&a, &b, w, h, &mut out[..n - 1]).unwrap_err();
        assert!(matches!(e, Error::BufferTooSmall { .. }));
    }

    // The streaming encoder, in pieces, gives the same bytes.
    let mut enc = SacEncoder::new(a.len(), b.len(), w, h).unwrap();
    assert_eq!(enc.frame_len(), n as u64);
    let mut wire = enc.header().to_vec();
    let all: Vec<i16> = a.iter().chain(&b).copied().collect();
    let mut rest = &all[..];
    let mut i = 0;
    while !rest.is_empty() {
        let take = piece_len(pieces, i).min(rest.len());
        let out_len = piece_len(pieces, i + 1) + 1; // at least 2 bytes
        i += 2;
        let mut piece = vec![0u8; out_len];
        let (used, written) = enc.encode(&rest[..take], &mut piece).unwrap();
        assert!(used > 0 && used <= take);
        assert_eq!(written, 2 * used);
        wire.extend_from_slice(&piece[..written]);
        rest = &rest[used..];
        assert_eq!(enc.remaining(), rest.len() as u64);
        if !rest.is_empty() {
            assert!(enc.finish().is_err());
        }
    }
    enc.finish().unwrap();
    let e = enc.encode(&[0], &mut [0u8; 2]).unwrap_err();
    assert!(matches!(e, Error::LengthMismatch { .. }));
    assert_eq!(wire, out);
}

/// SPEC §3, written out again here.
fn reference_level(x: f32, vmin: f64, vmax: f64, hi: u32) -> u16 {
    let denom = vmax - vmin;
    if !denom.is_finite() || denom <= 0.0 {
        return 0;
    }
    let scale = (f64::from(hi) / denom) as f32;
    let v = (x - vmin as f32) * scale;
    if !v.is_finite() {
        return 0;
    }
    v.clamp(0.0, hi as f32) as u16
}

fn vcbn_case(sel: SampleSel, rows: u8, u16: bool, vmin: f64, vmax: f64, pieces: &[u8]) {
    let dtype = if u16 { Dtype::U16 } else { Dtype::U8 };
    let hi = dtype.resolution();
    // Cut the samples to a whole number of rows.
    let r = usize::from(rows % 8) + 1;
    let (samples, xs): (Samples<'_>, Vec<f32>);
    let (v32, v64);
    match &sel {
        SampleSel::F32(v) => {
            v32 = v[..v.len() / r * r].to_vec();
            samples = Samples::F32(&v32);
            xs = v32.clone();
        }
        SampleSel::F64(v) => {
            v64 = v[..v.len() / r * r].to_vec();
            samples = Samples::F64(&v64);
            xs = v64.iter().map(|&x| x as f32).collect();
        }
        SampleSel::C32(v, mag) => {
            let pairs = v.len() / 2 / r * r;
            v32 = v[..2 * pairs].to_vec();
            let part = if *mag {
                ComplexPart::Magnitude
            } else {
                ComplexPart::Real
            };
            samples = Samples::Complex32(&v32, part);
            xs = v32
                .chunks_exact(2)
                .map(|p| match part {
                    ComplexPart::Real => p[0],
                    ComplexPart::Magnitude => {
                        let (re, im) = (f64::from(p[0]), f64::from(p[1]));
                        (re * re + im * im).sqrt() as f32
                    }
                })
                .collect();
        }
        SampleSel::C64(v, mag) => {
            let pairs = v.len() / 2 / r * r;
            v64 = v[..2 * pairs].to_vec();
            let part = if *mag {
                ComplexPart::Magnitude
            } else {
                ComplexPart::Real
            };
            samples = Samples::Complex64(&v64, part);
            xs = v64
                .chunks_exact(2)
                .map(|p| match part {
                    ComplexPart::Real => p[0] as f32,
                    ComplexPart::Magnitude => p[0].hypot(p[1]) as f32,
                })
                .collect();
        }
    }
    let n = samples.len();
    assert_eq!(n, xs.len());
    let shape = [r, n / r];
    let shape64 = [r as u64, (n / r) as u64];
    let params = Params::new(dtype, vmin, vmax);
    let mut out = vec![0u8; 400 + 2 * n];
    let res = vcbn::encode(samples, shape, &params, &mut out);
    if !vmin.is_finite() || !vmax.is_finite() {
        let e = res.unwrap_err();
        show_err(&e);
        let field = if vmin.is_finite() {
            framewire::Field::Vmax
        } else {
            framewire::Field::Vmin
        };
        assert_eq!(e, Error::NonFiniteRange { field });
        assert!(VcbnEncoder::new(shape64, params).is_err());
        return;
    }
    let len = res.unwrap();
    assert_eq!(len, vcbn::encoded_len(shape64, &params).unwrap());
    let out = &out[..len];
    let f = vcbn::decode(out).unwrap();
    let h = f.header();
    assert_eq!(h.magic(), Magic::Vcbn);
    assert_eq!(h.version(), 1);
    assert_eq!(h.dtype(), dtype);
    assert_eq!(h.shape(), shape64);
    assert_eq!(h.endianness(), Endianness::Little);
    assert_eq!(h.order(), Order::C);
    assert_eq!(h.resolution(), hi);
    assert!(same_f64(h.vmin(), vmin), "vmin {vmin:?} -> {:?}", h.vmin());
    assert!(same_f64(h.vmax(), vmax), "vmax {vmax:?} -> {:?}", h.vmax());
    assert!(h.blob_offset() as usize <= vcbn::MAX_CANONICAL_HEADER_LEN);
    assert!(f.json().is_ascii());

    // The levels: the quant functions and the formula.
    let levels: Vec<u16> = f.blob().iter().collect();
    let mut q16 = vec![0u16; n];
    let mut q8 = vec![0u8; n];
    let (via_quant, reference): (Vec<u16>, Vec<u16>);
    match (&samples, dtype) {
        (Samples::F32(s), Dtype::U16) => quant::quantize_u16(s, vmin, vmax, &mut q16).unwrap(),
        (Samples::F32(s), Dtype::U8) => quant::quantize_u8(s, vmin, vmax, &mut q8).unwrap(),
        (Samples::F64(s), Dtype::U16) => quant::quantize_f64_u16(s, vmin, vmax, &mut q16).unwrap(),
        (Samples::F64(s), Dtype::U8) => quant::quantize_f64_u8(s, vmin, vmax, &mut q8).unwrap(),
        (Samples::Complex32(s, p), Dtype::U16) => {
            quant::quantize_complex_u16(s, *p, vmin, vmax, &mut q16).unwrap()
        }
        (Samples::Complex32(s, p), Dtype::U8) => {
            quant::quantize_complex_u8(s, *p, vmin, vmax, &mut q8).unwrap()
        }
        // No public complex64 kernel: the formula is the reference.
        (Samples::Complex64(..), Dtype::U16) => q16.copy_from_slice(&levels),
        (Samples::Complex64(..), Dtype::U8) => {
            for (d, &l) in q8.iter_mut().zip(&levels) {
                *d = l as u8;
            }
        }
    }
    via_quant = match dtype {
        Dtype::U16 => q16,
        Dtype::U8 => q8.iter().map(|&v| u16::from(v)).collect(),
    };
    reference = xs
        .iter()
        .map(|&x| reference_level(x, vmin, vmax, hi))
        .collect();
    assert_eq!(levels, via_quant, "blob differs from quant::quantize_*");
    assert_eq!(levels, reference, "levels differ from the SPEC formula");
    assert!(levels.iter().all(|&l| u32::from(l) <= hi));

    // The streaming encoder, in pieces, gives the same bytes.
    let mut enc = VcbnEncoder::new(shape64, params).unwrap();
    assert_eq!(enc.frame_len(), len as u64);
    let mut wire = vec![0u8; enc.header_len()];
    assert_eq!(enc.write_header(&mut wire), Ok(wire.len()));
    let size = dtype.size() as usize;
    let mut done = 0;
    let mut i = 0;
    while done < n {
        let take = piece_len(pieces, i).min(n - done);
        let out_len = piece_len(pieces, i + 1) + 1;
        i += 2;
        let part = samples.sub(done, done + take).unwrap();
        let mut piece = vec![0u8; out_len];
        let (used, written) = enc.encode(part, &mut piece).unwrap();
        assert_eq!(written, used * size);
        assert!(used <= take);
        if out_len >= size {
            assert!(used > 0);
        } else {
            assert_eq!(used, 0);
            continue;
        }
        wire.extend_from_slice(&piece[..written]);
        done += used;
        assert_eq!(enc.remaining(), (n - done) as u64);
    }
    enc.finish().unwrap();
    assert_eq!(wire, out, "VcbnEncoder differs from vcbn::encode");
}

fn levels_case(levels: LevelSel, rows: u8, vmin: f64, vmax: f64) {
    let r = usize::from(rows % 8) + 1;
    let (lv, vals): (Levels<'_>, Vec<u16>);
    let (l8, l16);
    match &levels {
        LevelSel::U8(v) => {
            l8 = v[..v.len() / r * r].to_vec();
            lv = Levels::U8(&l8);
            vals = l8.iter().map(|&x| u16::from(x)).collect();
        }
        LevelSel::U16(v) => {
            l16 = v[..v.len() / r * r].to_vec();
            lv = Levels::U16(&l16);
            vals = l16.clone();
        }
    }
    let shape = [r, vals.len() / r];
    let mut out = vec![0u8; 400 + 2 * vals.len()];
    match vcbn::encode_levels(lv, shape, vmin, vmax, &mut out) {
        Ok(n) => {
            let f = vcbn::decode(&out[..n]).unwrap();
            assert!(f.blob().iter().eq(vals.iter().copied()));
            assert!(same_f64(f.header().vmin(), vmin));
            assert!(same_f64(f.header().vmax(), vmax));
            // And back through encode_levels from the decoded blob.
            let mut again = vec![0u8; n];
            assert_eq!(
                vcbn::encode_levels(Levels::Blob(f.blob()), shape, vmin, vmax, &mut again),
                Ok(n)
            );
            assert_eq!(again, &out[..n]);
        }
        Err(e) => {
            show_err(&e);
            assert!(!vmin.is_finite() || !vmax.is_finite(), "{e:?}");
        }
    }
}

fn header_case(shape: [u64; 2], u16: bool, vmin: f64, vmax: f64) {
    let dtype = if u16 { Dtype::U16 } else { Dtype::U8 };
    let params = Params::new(dtype, vmin, vmax);
    let mut buf = [0u8; vcbn::MAX_CANONICAL_HEADER_LEN];
    let blob = shape[0]
        .checked_mul(shape[1])
        .and_then(|n| n.checked_mul(dtype.size()));
    let overflow = blob.is_none();
    // The whole frame (with a pad byte) must be countable in u64, as the
    // decoder requires: a blob this close to u64::MAX may not leave room.
    let room = 10 + vcbn::MAX_CANONICAL_HEADER_LEN as u64;
    let near_max = blob.is_some_and(|b| b > u64::MAX - room);
    match vcbn::write_header(shape, &params, &mut buf) {
        Ok(n) => {
            assert!(vmin.is_finite() && vmax.is_finite() && !overflow);
            assert!((n as u64).checked_add(blob.unwrap()).is_some());
            assert_eq!(n, vcbn::header_len_total(shape, &params).unwrap());
            assert_eq!(n % 2, 0);
            let p = vcbn::Prefix::parse(&buf[..n], &Limits::DEFAULT).unwrap();
            assert_eq!(p.blob_offset(), n as u64);
            let json = &buf[9..9 + p.header_len() as usize];
            let h = vcbn::Header::parse_json(json, &Limits::DEFAULT).unwrap();
            assert_eq!(h.shape(), shape);
            assert_eq!(h.dtype(), dtype);
            assert!(same_f64(h.vmin(), vmin));
            assert!(same_f64(h.vmax(), vmax));
            // "size" is the blob length in MiB.
            let v: serde_json::Value = serde_json::from_slice(json).unwrap();
            let size = v["size"].as_f64().unwrap();
            assert_eq!(size, h.blob_len() as f64 / 1_048_576.0);
        }
        Err(e) => {
            show_err(&e);
            assert!(
                !vmin.is_finite() || !vmax.is_finite() || overflow || near_max,
                "{e:?}"
            );
        }
    }
}

fn float_case(x: f64) {
    let mut s = String::new();
    json::write_f64(&mut s, x).unwrap();
    if x.is_nan() {
        assert_eq!(s, "NaN");
    } else if x.is_infinite() {
        assert_eq!(s, if x > 0.0 { "Infinity" } else { "-Infinity" });
    } else {
        let back: f64 = s.parse().unwrap();
        assert_eq!(back.to_bits(), x.to_bits(), "{x:?} written as {s}");
        // Python's repr layout: a '.' or an exponent, always.
        assert!(s.contains('.') || s.contains('e'), "{s}");
        let exp_form = s.contains('e');
        let a = x.abs();
        assert_eq!(exp_form, a != 0.0 && !(1e-4..1e16).contains(&a), "{s}");
        if let Some((_, e)) = s.split_once('e') {
            assert!(e.starts_with('+') || e.starts_with('-'));
            assert!(e.len() >= 3, "two-digit exponent: {s}");
        }
    }
    // The reader reads it back as one number.
    let mut r = Reader::new(&s, 1);
    match r.next().unwrap().unwrap().token {
        Token::Number(n) => {
            assert_eq!(n.as_str(), s);
            assert!(same_f64(n.to_f64(), x));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(r.finish(), Ok(()));
}

fn str_case(s: &str) {
    let mut out = String::new();
    json::write_str(&mut out, s).unwrap();
    assert!(out.is_ascii());
    let mut r = Reader::new(&out, 1);
    match r.next().unwrap().unwrap().token {
        Token::String(t) => {
            assert!(t.chars().eq(s.chars()));
            assert!(t.eq_str(s));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(r.finish(), Ok(()));
    // serde_json reads the same string.
    assert_eq!(serde_json::from_str::<String>(&out).unwrap(), s);
}
