//! Checks shared by the fuzz targets.
//!
//! Every check panics (and so makes libFuzzer report a crash) when the
//! library breaks one of its promises: a panic inside the library, a decoder
//! accepting what it should refuse (or the reverse, where another decoder is
//! the oracle), a lossy round trip, or a canonical input that does not
//! re-encode to the same bytes.

use std::fmt::Display;

use framewire::frame::{self, AnyFrame, Format};
use framewire::vcbn::{self, Blob, Dtype, Endianness, Levels, Limits, Magic, Order, Params};
use framewire::{sac, Error, Shape};

/// Formats an error with `Display` (which must not panic and must say something).
pub fn show<E: Display>(e: &E) -> String {
    let s = e.to_string();
    assert!(!s.is_empty(), "empty Display");
    s
}

/// Formats a library error and checks its offset accessor too.
pub fn show_err(e: &Error) -> String {
    let _ = e.offset();
    let _ = e.shifted(9);
    show(e)
}

/// The small limits the decoders are also run with.
pub const SMALL: Limits = Limits::DEFAULT.with_max_json_len(200).with_max_depth(3);

/// Whether two f64 have the same bits (so NaN equals NaN and -0.0 differs from 0.0).
pub fn same_f64(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// Compares the JSON-level fields of two VCBN headers.
pub fn same_json_fields(a: &vcbn::Header, b: &vcbn::Header) -> bool {
    a.dtype() == b.dtype()
        && a.shape() == b.shape()
        && a.endianness() == b.endianness()
        && a.order() == b.order()
        && a.resolution() == b.resolution()
        && same_f64(a.vmin(), b.vmin())
        && same_f64(a.vmax(), b.vmax())
        && a.blob_len() == b.blob_len()
        && a.elements() == b.elements()
}

/// Compares every field of two VCBN headers.
pub fn same_header(a: &vcbn::Header, b: &vcbn::Header) -> bool {
    same_json_fields(a, b)
        && a.magic() == b.magic()
        && a.version() == b.version()
        && a.json_len() == b.json_len()
}

fn le16(bytes: &[u8]) -> Vec<i16> {
    bytes
        .chunks_exact(2)
        .map(|c| i16::from_le_bytes([c[0], c[1]]))
        .collect()
}

/// `sac::decode` on arbitrary bytes, with every consistency check, and the
/// canonical re-encoding: a decoded file whose flags and reserved bytes are 0
/// re-encodes to exactly the same bytes.
pub fn check_sac(data: &[u8]) {
    check_take(data, &Limits::DEFAULT);
    let parsed = sac::Header::parse(data);
    if let Err(e) = &parsed {
        show_err(e);
    }
    let frame = match sac::decode(data) {
        Ok(f) => f,
        Err(e) => {
            show_err(&e);
            match parsed {
                // The header's own error comes first, unchanged.
                Err(he) => assert_eq!(he, e),
                Ok(h) => {
                    assert!(h.validate().is_ok());
                    let (needed, have) = (h.frame_len(), data.len() as u64);
                    if have < needed {
                        assert_eq!(
                            e,
                            Error::Truncated {
                                needed,
                                available: have
                            }
                        );
                    } else {
                        assert!(have > needed, "decode refused a whole file: {e:?}");
                        assert_eq!(
                            e,
                            Error::TrailingBytes {
                                expected: needed,
                                actual: have
                            }
                        );
                    }
                }
            }
            return;
        }
    };
    let h = parsed.expect("decode accepted what Header::parse refused");
    assert_eq!(frame.header(), h);
    assert!(h.validate().is_ok());
    assert_eq!(h.frame_len(), data.len() as u64);
    let (la, lb) = (h.length_a() as usize, h.length_b() as usize);
    let (w, hh) = (frame.width(), frame.height());
    let shape = frame.shape();
    assert_eq!(shape, Shape::new(u64::from(hh), u64::from(w)));
    assert_eq!(shape, h.shape());
    let area = u64::from(w) * u64::from(hh);
    assert!(area == 0 || (area == la as u64 && area == lb as u64));
    assert_eq!(frame.a().len(), la);
    assert_eq!(frame.b().len(), lb);
    assert_eq!(frame.a_bytes(), &data[24..24 + 2 * la]);
    assert_eq!(frame.b_bytes(), &data[24 + 2 * la..]);
    let a: Vec<i16> = frame.a_iter().collect();
    let b: Vec<i16> = frame.b_iter().collect();
    assert_eq!(a, le16(frame.a_bytes()));
    assert_eq!(b, le16(frame.b_bytes()));
    assert!(frame.a_iter().rev().eq(a.iter().rev().copied()));
    if let Some(native) = frame.a_native() {
        assert_eq!(native, &a[..]);
    }
    if let Some(native) = frame.b_native() {
        assert_eq!(native, &b[..]);
    }
    let mut out_a = vec![0i16; la];
    frame.copy_a_to(&mut out_a).unwrap();
    assert_eq!(out_a, a);
    let mut out_b = vec![0i16; lb];
    frame.copy_b_to(&mut out_b).unwrap();
    assert_eq!(out_b, b);
    let mut wrong = vec![0i16; la + 1];
    let e = frame.copy_a_to(&mut wrong).unwrap_err();
    show_err(&e);
    assert!(matches!(e, Error::LengthMismatch { .. }));

    // Re-encode.
    let n = sac::encoded_len(la, lb).unwrap();
    assert_eq!(n, data.len());
    let mut out = vec![0u8; n];
    assert_eq!(sac::encode(&a, &b, shape, &mut out), Ok(n));
    if h.flags == 0 && h.reserved == 0 {
        assert_eq!(
            out, data,
            "canonical SAC input did not re-encode identically"
        );
    } else {
        let mut expect = data.to_vec();
        expect[4] = 0;
        expect[7] = 0;
        assert_eq!(out, expect);
    }
    let short = sac::encode(&a, &b, shape, &mut out[..n - 1]).unwrap_err();
    show_err(&short);
    assert_eq!(
        short,
        Error::BufferTooSmall {
            needed: n as u64,
            available: n as u64 - 1
        }
    );
}

/// The canonical envelope header (prefix, JSON, pad) for these fields, as
/// the streaming encoder writes it.
pub fn canonical_header(shape: Shape, params: &Params) -> Vec<u8> {
    let enc = vcbn::Encoder::new(shape, *params).expect("vcbn::Encoder::new");
    let mut buf = [0u8; vcbn::MAX_CANONICAL_BLOB_OFFSET];
    let n = enc.write_header(&mut buf).expect("write_header");
    assert_eq!(n, enc.blob_offset());
    assert!(n <= vcbn::MAX_CANONICAL_BLOB_OFFSET);
    assert_eq!(
        n,
        9 + enc.json_len() as usize + usize::from(enc.json_len() % 2 == 0)
    );
    buf[..n].to_vec()
}

/// `vcbn::decode_with(data, limits)` with every consistency check. When the
/// frame decodes: the levels re-encode (with `encode_levels`) to a frame that
/// decodes to the same header fields and levels, and a canonical input
/// (magic `VCBN`, version 1, canonical JSON, zero pad) re-encodes to exactly
/// the same bytes. Returns whether the frame decoded.
pub fn check_vcbn(data: &[u8], limits: &Limits) -> bool {
    check_take(data, limits);
    let prefix = vcbn::Prefix::parse(data, limits);
    let frame = match vcbn::decode_with(data, limits) {
        Ok(f) => f,
        Err(e) => {
            show_err(&e);
            if let Err(pe) = prefix {
                assert_eq!(pe, e, "prefix error differs from decode error");
            }
            return false;
        }
    };
    let prefix = prefix.expect("decode accepted what Prefix::parse refused");
    let h = *frame.header();
    assert_eq!(h.magic(), prefix.magic());
    assert_eq!(h.version(), prefix.version());
    assert!(h.version() >= 1);
    assert_eq!(h.json_len(), prefix.json_len());
    assert!(h.json_len() <= limits.max_json_len());
    assert_eq!(h.blob_offset(), prefix.blob_offset());
    assert_eq!(h.pad_len(), prefix.pad_len());
    assert_eq!(h.frame_len(), data.len() as u64);
    assert_eq!(h.blob_len(), h.elements() * h.dtype().size());
    assert_ne!(h.resolution(), 0);
    let hl = h.json_len() as usize;
    assert_eq!(frame.json().as_bytes(), &data[9..9 + hl]);
    assert_eq!((9 + hl + h.pad_len() as usize) % 2, 0);

    // The JSON alone parses to the same fields.
    let alone = vcbn::Header::parse_json(frame.json().as_bytes(), limits)
        .expect("parse_json refused the JSON decode accepted");
    assert!(same_json_fields(&alone, &h));
    assert_eq!(alone.magic(), Magic::Vcbn);
    assert_eq!(alone.version(), 1);
    assert_eq!(alone.json_len() as usize, hl);

    // The blob.
    let blob = frame.blob();
    let start = h.blob_offset() as usize;
    assert_eq!(blob.as_bytes(), &data[start..]);
    assert_eq!(blob.len() as u64, h.elements());
    assert_eq!(blob.is_empty(), h.elements() == 0);
    assert_eq!(blob.dtype(), h.dtype());
    match (blob, h.dtype(), h.endianness()) {
        (Blob::U8(_), Dtype::U8, _)
        | (Blob::U16Le(_), Dtype::U16, Endianness::Little)
        | (Blob::U16Be(_), Dtype::U16, Endianness::Big) => {}
        other => panic!("blob variant does not match the header: {other:?}"),
    }
    let levels: Vec<u16> = blob.iter().collect();
    assert_eq!(levels.len(), blob.len());
    assert_eq!(blob.iter().len(), blob.len());
    assert_eq!(blob.get(blob.len()), None);
    for (i, (&l, c)) in levels
        .iter()
        .zip(blob.as_bytes().chunks(h.dtype().size() as usize))
        .enumerate()
    {
        let want = match (h.dtype(), h.endianness()) {
            (Dtype::U8, _) => u16::from(c[0]),
            (Dtype::U16, Endianness::Little) => u16::from_le_bytes([c[0], c[1]]),
            (Dtype::U16, Endianness::Big) => u16::from_be_bytes([c[0], c[1]]),
        };
        assert_eq!(l, want, "level {i}");
    }
    let mut copy = vec![0u16; blob.len()];
    blob.copy_to_u16(&mut copy).unwrap();
    assert_eq!(copy, levels);
    let mut values = vec![0f32; blob.len()];
    frame.dequantize_into(&mut values).unwrap();
    let d = h.dequantizer();
    for (&v, &q) in values.iter().zip(&levels) {
        let want = d.value(q);
        assert!(v.to_bits() == want.to_bits() || (v.is_nan() && want.is_nan()));
    }
    let e = frame
        .dequantize_into(&mut vec![0f32; blob.len() + 1])
        .unwrap_err();
    show_err(&e);

    // Re-encode the levels.
    let shape = h.shape();
    let (vmin, vmax) = (h.vmin(), h.vmax());
    let params = Params::new(h.dtype(), vmin, vmax);
    if !vmin.is_finite() || !vmax.is_finite() {
        let mut out = vec![0u8; 512 + data.len()];
        let e = vcbn::encode_levels(Levels::Blob(blob), shape, vmin, vmax, &mut out).unwrap_err();
        show_err(&e);
        assert!(matches!(e, Error::NonFiniteRange { .. }));
        return true;
    }
    let n = vcbn::encoded_len(shape, &params).unwrap();
    let mut out = vec![0u8; n];
    assert_eq!(
        vcbn::encode_levels(Levels::Blob(blob), shape, vmin, vmax, &mut out),
        Ok(n)
    );
    let back = vcbn::decode(&out).expect("re-encoded frame does not decode");
    let bh = back.header();
    assert_eq!(bh.magic(), Magic::Vcbn);
    assert_eq!(bh.version(), 1);
    assert_eq!(bh.dtype(), h.dtype());
    assert_eq!(bh.shape(), shape);
    assert_eq!(bh.endianness(), Endianness::Little);
    assert_eq!(bh.order(), Order::C);
    assert_eq!(bh.resolution(), h.dtype().resolution());
    assert!(
        same_f64(bh.vmin(), vmin),
        "vmin {vmin:?} -> {:?}",
        bh.vmin()
    );
    assert!(
        same_f64(bh.vmax(), vmax),
        "vmax {vmax:?} -> {:?}",
        bh.vmax()
    );
    assert!(back.blob().iter().eq(levels.iter().copied()));
    let head = canonical_header(shape, &params);
    assert_eq!(&out[..head.len()], &head[..]);

    // A canonical input re-encodes byte for byte.
    let canonical_json = &head[9..9 + bh.json_len() as usize];
    let pad_zero = h.pad_len() == 0 || data[9 + hl] == 0;
    if h.magic() == Magic::Vcbn
        && h.version() == 1
        && frame.json().as_bytes() == canonical_json
        && pad_zero
    {
        assert_eq!(
            out, data,
            "canonical VCBN input did not re-encode identically"
        );
    }
    true
}

/// Whether two VCBN frames are the same view: the same header fields (NaN
/// ranges equal), JSON and blob, borrowed from the same bytes.
pub fn same_vcbn_frame(a: &vcbn::Frame<'_>, b: &vcbn::Frame<'_>) -> bool {
    same_header(a.header(), b.header())
        && a.json() == b.json()
        && a.blob() == b.blob()
        && a.blob().as_bytes().as_ptr() == b.blob().as_bytes().as_ptr()
}

/// Checks a format's `take_from_bytes` against its `decode` on `data`:
/// a refusal is the same error; a frame with nothing after it is the frame
/// `decode` returns; a frame with bytes after it is what `decode` calls
/// `TrailingBytes`, and its own bytes alone decode to the same frame.
fn check_take_one<'a, F: 'a>(
    data: &'a [u8],
    decode: impl Fn(&'a [u8]) -> Result<F, Error>,
    take: impl Fn(&'a [u8]) -> Result<(F, &'a [u8]), Error>,
    frame_len: impl Fn(&F) -> u64,
    same: impl Fn(&F, &F) -> bool,
) {
    let whole = decode(data);
    match take(data) {
        Err(e) => {
            show_err(&e);
            match whole {
                Err(we) => assert_eq!(we, e, "take_from_bytes and decode refuse differently"),
                Ok(_) => panic!("decode accepted what take_from_bytes refused: {e:?}"),
            }
        }
        Ok((f, rest)) => {
            let n = frame_len(&f);
            assert_eq!(n + rest.len() as u64, data.len() as u64);
            assert_eq!(rest.as_ptr(), data[n as usize..].as_ptr());
            if rest.is_empty() {
                let g = whole.expect("take_from_bytes took the whole input, decode refused it");
                assert!(
                    same(&f, &g),
                    "take_from_bytes and decode give different frames"
                );
            } else {
                assert_eq!(
                    whole.err(),
                    Some(Error::TrailingBytes {
                        expected: n,
                        actual: data.len() as u64
                    })
                );
                let own = &data[..n as usize];
                let g = decode(own).expect("a taken frame's own bytes do not decode");
                assert!(same(&f, &g));
                let (h, r) = take(own).expect("a taken frame's own bytes are not taken");
                assert!(r.is_empty());
                assert!(same(&f, &h));
            }
        }
    }
}

/// `sac::take_from_bytes`, `vcbn::take_from_bytes` and
/// `frame::take_from_bytes` agree with the decoders (see `check_take_one`);
/// `frame::decode_any_with` and `frame::take_from_bytes` are the detected
/// format's own decoders, and refuse an unknown magic as `Format::detect` does.
pub fn check_take(data: &[u8], limits: &Limits) {
    check_take_one(
        data,
        sac::decode,
        sac::take_from_bytes,
        |f| f.header().frame_len(),
        |a, b| a == b,
    );
    check_take_one(
        data,
        |d| vcbn::decode_with(d, limits),
        |d| vcbn::take_from_bytes(d, limits),
        |f| f.header().frame_len(),
        same_vcbn_frame,
    );
    let any = frame::decode_any_with(data, limits);
    let taken = frame::take_from_bytes(data, limits);
    if limits == &Limits::DEFAULT {
        assert_eq!(
            frame::decode_any(data).map(|f| f.format()),
            any.map(|f| f.format())
        );
    }
    match Format::detect(data) {
        Err(e) => {
            show_err(&e);
            assert!(matches!(
                e,
                Error::Truncated { .. } | Error::BadMagic { .. }
            ));
            assert_eq!(any.err(), Some(e));
            assert_eq!(taken.err(), Some(e));
            assert!(sac::decode(data).is_err() && vcbn::decode_with(data, limits).is_err());
        }
        Ok(format) => {
            let magic: [u8; 4] = data[..4].try_into().unwrap();
            assert_eq!(
                format.name(),
                if magic == *b"SAC1" {
                    "sac"
                } else if vcbn::Magic::from_bytes(magic).is_some() {
                    "vcbn"
                } else {
                    // No magic: imgpack's latest layout, byte 4 opens the JSON.
                    assert_eq!(data.get(4), Some(&b'{'));
                    "imgpack"
                }
            );
            if let Ok(f) = &any {
                assert_eq!(f.format(), format);
            }
            if let Ok((f, _)) = &taken {
                assert_eq!(f.format(), format);
            }
            match format {
                Format::Sac => {
                    let one = sac::decode(data);
                    match (&any, &one) {
                        (Ok(AnyFrame::Sac(a)), Ok(b)) => {
                            assert_eq!(a, b);
                            assert_eq!(AnyFrame::Sac(*a).shape(), b.shape());
                        }
                        (Err(e), Err(f)) => assert_eq!(e, f),
                        other => panic!("decode_any is not sac::decode: {other:?}"),
                    }
                    match (&taken, sac::take_from_bytes(data)) {
                        (Ok((AnyFrame::Sac(a), r)), Ok((b, s))) => {
                            assert!(*a == b && r.as_ptr() == s.as_ptr() && r.len() == s.len())
                        }
                        (Err(e), Err(f)) => assert_eq!(*e, f),
                        other => panic!("frame::take_from_bytes is not sac's: {other:?}"),
                    }
                }
                Format::Vcbn => {
                    let one = vcbn::decode_with(data, limits);
                    match (&any, &one) {
                        (Ok(AnyFrame::Vcbn(a)), Ok(b)) => {
                            assert!(same_vcbn_frame(a, b));
                            assert_eq!(AnyFrame::Vcbn(*a).shape(), b.header().shape());
                        }
                        (Err(e), Err(f)) => assert_eq!(e, f),
                        other => panic!("decode_any is not vcbn::decode_with: {other:?}"),
                    }
                    match (&taken, vcbn::take_from_bytes(data, limits)) {
                        (Ok((AnyFrame::Vcbn(a), r)), Ok((b, s))) => assert!(
                            same_vcbn_frame(a, &b)
                                && r.as_ptr() == s.as_ptr()
                                && r.len() == s.len()
                        ),
                        (Err(e), Err(f)) => assert_eq!(*e, f),
                        other => panic!("frame::take_from_bytes is not vcbn's: {other:?}"),
                    }
                }
                Format::Imgpack => {
                    let one = framewire::imgpack::decode_with(data, limits);
                    match (&any, &one) {
                        (Ok(AnyFrame::Imgpack(a)), Ok(b)) => {
                            assert_eq!(a.json(), b.json());
                            assert_eq!(a.data().as_bytes(), b.data().as_bytes());
                        }
                        (Err(e), Err(f)) => assert_eq!(e, f),
                        other => panic!("decode_any is not imgpack::decode_with: {other:?}"),
                    }
                }
                other => panic!("Format::detect found an unknown format {other:?}"),
            }
        }
    }
}
