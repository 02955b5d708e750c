//! Round trips through the encoders and decoders, on structured inputs.
//!
//! - SAC: arbitrary arrays and shape -> `sac::encode` (and the streaming
//!   `sac::Encoder`, in arbitrary pieces; and `encode_to_vec`) ->
//!   `sac::decode` -> equal. A bad input is the same error from the one-shot
//!   and the streaming encoder.
//! - VCBN: arbitrary f32/f64/complex samples, shape, range and dtype ->
//!   `vcbn::encode` (and `vcbn::Encoder`, and `encode_to_vec`) ->
//!   `vcbn::decode` -> header fields equal, levels equal to
//!   `quant::quantize_*` and to the quantization formula of docs/FORMATS.md
//!   (section 4.1) computed here independently. A non-finite range or an
//!   odd-length complex slice is the same error from both encoders; a
//!   streaming output too small for one level is `BufferTooSmall`.
//! - Each encoded frame: `sac::take_from_bytes`, `vcbn::take_from_bytes` and
//!   `frame::take_from_bytes` agree with `decode` (alone and with a second
//!   frame after it), and `frame::decode_any` with the format's decoder.
//! - Levels: arbitrary levels -> `encode_levels` -> decode -> equal.
//! - Header: any shape and finite range -> the canonical header
//!   (`vcbn::Encoder::write_header`) is `blob_offset()` bytes, at most
//!   `MAX_CANONICAL_BLOB_OFFSET`, and parses back to the same fields.
//! - Floats and strings: `json::write_f64` and `json::write_str` read back
//!   exactly through the JSON reader.
//! - Bytes: any input that decodes and is canonical re-encodes to itself.
#![no_main]

use arbitrary::Arbitrary;
use framewire::frame::{self, AnyFrame};
use framewire::json::{self, Reader, Token};
use framewire::quant::{self, ComplexPart, Samples};
use framewire::vcbn::{self, Dtype, Endianness, Levels, Limits, Magic, Order, Params};
use framewire::{sac, Error, Field, Shape};
use framewire_fuzz::{
    check_sac, check_take, check_vcbn, same_f64, same_vcbn_frame, show_err, SMALL,
};
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
    /// Arbitrary (width, height); usually contradicts the lengths.
    Any(u32, u32),
    /// Arbitrary (height, width) in u64: usually over SAC's u32 fields.
    Wide(u64, u64),
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
        } => header_case(Shape::new(h, w), u16, vmin, vmax),
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

/// `frame::take_from_bytes` and the format's own `take_from_bytes` on two
/// copies of one encoded frame: the first frame, then exactly the second.
fn check_two_frames(one: &[u8]) {
    check_take(one, &Limits::DEFAULT);
    let two = [one, one].concat();
    let (first, rest) = frame::take_from_bytes(&two, &Limits::DEFAULT).unwrap();
    assert_eq!(rest, one);
    let (second, rest) = frame::take_from_bytes(rest, &Limits::DEFAULT).unwrap();
    assert!(rest.is_empty());
    match (first, second, frame::decode_any(one).unwrap()) {
        (AnyFrame::Sac(a), AnyFrame::Sac(b), AnyFrame::Sac(c)) => {
            assert_eq!(a.header(), c.header());
            assert_eq!((a.a_bytes(), a.b_bytes()), (c.a_bytes(), c.b_bytes()));
            assert_eq!((b.a_bytes(), b.b_bytes()), (c.a_bytes(), c.b_bytes()));
            let (s, rest) = sac::take_from_bytes(&two).unwrap();
            assert_eq!((s, rest), (a, one));
        }
        (AnyFrame::Vcbn(a), AnyFrame::Vcbn(b), AnyFrame::Vcbn(c)) => {
            assert!(framewire_fuzz::same_header(a.header(), c.header()));
            assert!(framewire_fuzz::same_header(b.header(), c.header()));
            assert_eq!((a.json(), a.blob()), (c.json(), c.blob()));
            assert_eq!((b.json(), b.blob()), (c.json(), c.blob()));
            let (v, rest) = vcbn::take_from_bytes(&two, &Limits::DEFAULT).unwrap();
            assert!(same_vcbn_frame(&v, &a));
            assert_eq!(rest, one);
        }
        other => panic!("formats differ: {other:?}"),
    }
}

fn sac_case(mut a: Vec<i16>, mut b: Vec<i16>, shape: ShapeSel, pieces: &[u8]) {
    let shape = match shape {
        ShapeSel::Unknown => Shape::UNKNOWN,
        ShapeSel::Any(w, h) => Shape::new(u64::from(h), u64::from(w)),
        ShapeSel::Wide(h, w) => Shape::new(h, w),
        ShapeSel::Rows(r) => {
            let r = usize::from(r % 8) + 1;
            let n = a.len().min(b.len()) / r * r;
            a.truncate(n);
            b.truncate(n);
            Shape::new(r as u64, (n / r) as u64)
        }
    };
    let n = sac::encoded_len(a.len(), b.len()).unwrap();
    assert_eq!(n, 24 + 2 * a.len() + 2 * b.len());
    let mut out = vec![0u8; n];
    let r = sac::encode(&a, &b, shape, &mut out);
    let (w, h) = (shape.width(), shape.height());
    let too_wide = [(Field::Width, w), (Field::Height, h)]
        .into_iter()
        .find(|&(_, v)| v > u64::from(u32::MAX));
    let area = u128::from(w) * u128::from(h);
    let mismatch = area != 0 && (area != a.len() as u128 || area != b.len() as u128);
    if too_wide.is_some() || mismatch {
        let e = r.unwrap_err();
        show_err(&e);
        match too_wide {
            Some((field, len)) => assert_eq!(e, Error::TooManyElements { field, len }),
            None => assert!(matches!(e, Error::ShapeMismatch { .. }), "{e:?}"),
        }
        // The same error from the header, the streaming encoder and encode_to_vec.
        assert_eq!(sac::Header::new(a.len(), b.len(), shape).unwrap_err(), e);
        assert_eq!(sac::Encoder::new(a.len(), b.len(), shape).unwrap_err(), e);
        assert_eq!(sac::encode_to_vec(&a, &b, shape).unwrap_err(), e);
        return;
    }
    assert_eq!(r, Ok(n));
    let f = sac::decode(&out).unwrap();
    assert_eq!((f.shape(), f.flags()), (shape, 0));
    assert_eq!((u64::from(f.width()), u64::from(f.height())), (w, h));
    assert!(f.a_iter().eq(a.iter().copied()));
    assert!(f.b_iter().eq(b.iter().copied()));
    assert_eq!(sac::encode_to_vec(&a, &b, shape).unwrap(), out);
    check_two_frames(&out);
    if n > 0 {
        let e = sac::encode(&a, &b, shape, &mut out[..n - 1]).unwrap_err();
        assert!(matches!(e, Error::BufferTooSmall { .. }));
    }

    // The streaming encoder, in pieces, gives the same bytes.
    let mut enc = sac::Encoder::new(a.len(), b.len(), shape).unwrap();
    assert_eq!(enc.frame_len(), n as u64);
    let mut wire = enc.header().to_vec();
    let all: Vec<i16> = a.iter().chain(&b).copied().collect();
    let mut rest = &all[..];
    let mut i = 0;
    // No samples into no room: nothing to do, not an error.
    assert_eq!(enc.encode(&[], &mut []), Ok((0, 0)));
    while !rest.is_empty() {
        let take = piece_len(pieces, i).min(rest.len());
        let mut out_len = piece_len(pieces, i + 1) - 1;
        i += 2;
        if out_len < 2 {
            // Too small for one sample while samples are left: refused, and
            // nothing is used (so a caller's loop cannot spin).
            let e = enc
                .encode(&rest[..take], &mut vec![0u8; out_len])
                .unwrap_err();
            assert_eq!(
                e,
                Error::BufferTooSmall {
                    needed: 2,
                    available: out_len as u64
                }
            );
            assert_eq!(enc.remaining(), rest.len() as u64);
            out_len = 2;
        }
        let mut piece = vec![0u8; out_len];
        let (used, written) = enc.encode(&rest[..take], &mut piece).unwrap();
        assert!(used > 0 && used <= take);
        assert_eq!(used, take.min(out_len / 2));
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

/// The quantization formula of docs/FORMATS.md (section 4.1), written out
/// again here.
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
    // For a complex input with a float left over: the slice with a half
    // pair at its end, which every encoder refuses the same way.
    let mut odd: Option<Samples<'_>> = None;
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
            if v.len() > 2 * pairs {
                odd = Some(Samples::Complex32(&v[..2 * pairs + 1], part));
            }
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
            if v.len() > 2 * pairs {
                odd = Some(Samples::Complex64(&v[..2 * pairs + 1], part));
            }
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
    let shape = Shape::new(r as u64, (n / r) as u64);
    let params = Params::new(dtype, vmin, vmax);
    assert_eq!(
        (
            params.dtype(),
            params.vmin().to_bits(),
            params.vmax().to_bits()
        ),
        (dtype, vmin.to_bits(), vmax.to_bits())
    );
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
        // The same error from the streaming encoder, encode_to_vec and
        // encoded_len, and for an odd complex slice too.
        assert_eq!(vcbn::Encoder::new(shape, params).unwrap_err(), e);
        assert_eq!(vcbn::encode_to_vec(samples, shape, &params).unwrap_err(), e);
        assert_eq!(vcbn::encoded_len(shape, &params).unwrap_err(), e);
        if let Some(odd) = odd {
            assert_eq!(vcbn::encode(odd, shape, &params, &mut out).unwrap_err(), e);
        }
        return;
    }
    let len = res.unwrap();
    assert_eq!(len, vcbn::encoded_len(shape, &params).unwrap());
    if let Some(odd) = odd {
        // A half pair at the end: one-shot and streaming give the same error.
        let raw = match odd {
            Samples::Complex32(s, _) => s.len(),
            Samples::Complex64(s, _) => s.len(),
            _ => unreachable!(),
        } as u64;
        let want = Error::LengthMismatch {
            field: Field::Samples,
            expected: raw + 1,
            actual: raw,
        };
        let mut scratch = vec![0u8; len];
        let one_shot = vcbn::encode(odd, shape, &params, &mut scratch).unwrap_err();
        show_err(&one_shot);
        assert_eq!(one_shot, want);
        assert_eq!(vcbn::encode_to_vec(odd, shape, &params).unwrap_err(), want);
        let mut enc = vcbn::Encoder::new(shape, params).unwrap();
        assert_eq!(enc.encode(odd, &mut scratch).unwrap_err(), one_shot);
        assert_eq!(enc.remaining(), n as u64);
    }
    let out = &out[..len];
    assert_eq!(vcbn::encode_to_vec(samples, shape, &params).unwrap(), out);
    check_two_frames(out);
    let f = vcbn::decode(out).unwrap();
    let h = f.header();
    assert_eq!(h.magic(), Magic::Vcbn);
    assert_eq!(h.version(), 1);
    assert_eq!(h.dtype(), dtype);
    assert_eq!(h.shape(), shape);
    assert_eq!(h.endianness(), Endianness::Little);
    assert_eq!(h.order(), Order::C);
    assert_eq!(h.resolution(), hi);
    assert!(same_f64(h.vmin(), vmin), "vmin {vmin:?} -> {:?}", h.vmin());
    assert!(same_f64(h.vmax(), vmax), "vmax {vmax:?} -> {:?}", h.vmax());
    assert!(h.blob_offset() as usize <= vcbn::MAX_CANONICAL_BLOB_OFFSET);
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
    assert_eq!(
        levels, reference,
        "levels differ from the docs/FORMATS.md formula"
    );
    assert!(levels.iter().all(|&l| u32::from(l) <= hi));

    // The streaming encoder, in pieces, gives the same bytes.
    let mut enc = vcbn::Encoder::new(shape, params).unwrap();
    assert_eq!(enc.frame_len(), len as u64);
    assert_eq!(enc.blob_offset() as u64, h.blob_offset());
    assert_eq!(enc.json_len(), h.json_len());
    let mut wire = vec![0u8; enc.blob_offset()];
    assert_eq!(enc.write_header(&mut wire), Ok(wire.len()));
    assert_eq!(
        enc.write_header(&mut vec![0u8; wire.len() - 1]),
        Err(Error::BufferTooSmall {
            needed: wire.len() as u64,
            available: wire.len() as u64 - 1
        })
    );
    let size = dtype.size() as usize;
    let mut done = 0;
    let mut i = 0;
    // No samples into no room: nothing to do, not an error.
    assert_eq!(enc.encode(samples.sub(0, 0).unwrap(), &mut []), Ok((0, 0)));
    while done < n {
        let take = piece_len(pieces, i).min(n - done);
        let mut out_len = piece_len(pieces, i + 1) - 1;
        i += 2;
        let part = samples.sub(done, done + take).unwrap();
        if out_len < size {
            // Too small for one level while samples are left: refused, and
            // nothing is used (so a caller's loop cannot spin).
            let e = enc.encode(part, &mut vec![0u8; out_len]).unwrap_err();
            assert_eq!(
                e,
                Error::BufferTooSmall {
                    needed: size as u64,
                    available: out_len as u64
                }
            );
            assert_eq!(enc.remaining(), (n - done) as u64);
            out_len = size;
        }
        let mut piece = vec![0u8; out_len];
        let (used, written) = enc.encode(part, &mut piece).unwrap();
        assert_eq!(written, used * size);
        assert!(used > 0 && used <= take);
        assert_eq!(used, take.min(out_len / size));
        wire.extend_from_slice(&piece[..written]);
        done += used;
        assert_eq!(enc.remaining(), (n - done) as u64);
    }
    enc.finish().unwrap();
    assert_eq!(wire, out, "vcbn::Encoder differs from vcbn::encode");
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
    let shape = Shape::new(r as u64, (vals.len() / r) as u64);
    let mut out = vec![0u8; 400 + 2 * vals.len()];
    match vcbn::encode_levels(lv, shape, vmin, vmax, &mut out) {
        Ok(n) => {
            let f = vcbn::decode(&out[..n]).unwrap();
            assert_eq!(f.header().shape(), shape);
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

fn header_case(shape: Shape, u16: bool, vmin: f64, vmax: f64) {
    let dtype = if u16 { Dtype::U16 } else { Dtype::U8 };
    let params = Params::new(dtype, vmin, vmax);
    let mut buf = [0u8; vcbn::MAX_CANONICAL_BLOB_OFFSET];
    let blob = shape.elements().and_then(|n| n.checked_mul(dtype.size()));
    let overflow = blob.is_none();
    // The whole frame (with a pad byte) must be countable in u64, as the
    // decoder requires: a blob this close to u64::MAX may not leave room.
    let room = 10 + vcbn::MAX_CANONICAL_BLOB_OFFSET as u64;
    let near_max = blob.is_some_and(|b| b > u64::MAX - room);
    match vcbn::Encoder::new(shape, params) {
        Ok(enc) => {
            assert!(vmin.is_finite() && vmax.is_finite() && !overflow);
            let n = enc.write_header(&mut buf).unwrap();
            assert_eq!(n, enc.blob_offset());
            assert!(n <= vcbn::MAX_CANONICAL_BLOB_OFFSET);
            assert_eq!(
                enc.frame_len(),
                (n as u64).checked_add(blob.unwrap()).unwrap()
            );
            assert_eq!(enc.remaining(), shape.elements().unwrap());
            assert_eq!(
                vcbn::encoded_len(shape, &params).map(|l| l as u64),
                Ok(enc.frame_len())
            );
            assert_eq!(n % 2, 0);
            let p = vcbn::Prefix::parse(&buf[..n], &Limits::DEFAULT).unwrap();
            assert_eq!(p.blob_offset(), n as u64);
            assert_eq!(p.json_len(), enc.json_len());
            assert_eq!(n, 9 + enc.json_len() as usize + p.pad_len() as usize);
            let json = &buf[9..9 + p.json_len() as usize];
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
            // encoded_len refuses the same way.
            assert_eq!(vcbn::encoded_len(shape, &params).unwrap_err(), e);
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
