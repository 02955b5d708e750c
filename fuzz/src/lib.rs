//! Checks shared by the fuzz targets.
//!
//! Every check panics (and so makes libFuzzer report a crash) when the
//! library breaks one of its promises: a panic inside the library, a decoder
//! accepting what it should refuse (or the reverse, where another decoder is
//! the oracle), a lossy round trip, or a canonical input that does not
//! re-encode to the same bytes.

use std::fmt::Display;

use framewire::vcbn::{self, Blob, Dtype, Endianness, Levels, Limits, Magic, Order, Params};
use framewire::{sac, Error};

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
pub const SMALL: Limits = Limits::DEFAULT.with_max_header_len(200).with_max_depth(3);

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
        && a.header_len() == b.header_len()
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
    assert_eq!(sac::encode(&a, &b, w, hh, &mut out), Ok(n));
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
    let short = sac::encode(&a, &b, w, hh, &mut out[..n - 1]).unwrap_err();
    show_err(&short);
    assert_eq!(
        short,
        Error::BufferTooSmall {
            needed: n as u64,
            available: n as u64 - 1
        }
    );
}

/// The canonical envelope header (prefix, JSON, pad) for these fields.
pub fn canonical_header(shape: [u64; 2], params: &Params) -> Vec<u8> {
    let mut buf = [0u8; vcbn::MAX_CANONICAL_HEADER_LEN];
    let n = vcbn::write_header(shape, params, &mut buf).expect("write_header");
    assert_eq!(n, vcbn::header_len_total(shape, params).unwrap());
    buf[..n].to_vec()
}

/// `vcbn::decode_with(data, limits)` with every consistency check. When the
/// frame decodes: the levels re-encode (with `encode_levels`) to a frame that
/// decodes to the same header fields and levels, and a canonical input
/// (magic `VCBN`, version 1, canonical JSON, zero pad) re-encodes to exactly
/// the same bytes. Returns whether the frame decoded.
pub fn check_vcbn(data: &[u8], limits: &Limits) -> bool {
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
    assert_eq!(h.header_len(), prefix.header_len());
    assert!(h.header_len() <= limits.max_header_len());
    assert_eq!(h.blob_offset(), prefix.blob_offset());
    assert_eq!(h.pad_len(), prefix.pad_len());
    assert_eq!(h.frame_len(), data.len() as u64);
    assert_eq!(h.blob_len(), h.elements() * h.dtype().size());
    assert_ne!(h.resolution(), 0);
    let hl = h.header_len() as usize;
    assert_eq!(frame.json().as_bytes(), &data[9..9 + hl]);
    assert_eq!((9 + hl + h.pad_len() as usize) % 2, 0);

    // The JSON alone parses to the same fields.
    let alone = vcbn::Header::parse_json(frame.json().as_bytes(), limits)
        .expect("parse_json refused the JSON decode accepted");
    assert!(same_json_fields(&alone, &h));
    assert_eq!(alone.magic(), Magic::Vcbn);
    assert_eq!(alone.version(), 1);
    assert_eq!(alone.header_len() as usize, hl);

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
    let ushape = [shape[0] as usize, shape[1] as usize];
    let (vmin, vmax) = (h.vmin(), h.vmax());
    let params = Params::new(h.dtype(), vmin, vmax);
    if !vmin.is_finite() || !vmax.is_finite() {
        let mut out = vec![0u8; 512 + data.len()];
        let e = vcbn::encode_levels(Levels::Blob(blob), ushape, vmin, vmax, &mut out).unwrap_err();
        show_err(&e);
        assert!(matches!(e, Error::NonFiniteRange { .. }));
        return true;
    }
    let n = vcbn::encoded_len(shape, &params).unwrap();
    let mut out = vec![0u8; n];
    assert_eq!(
        vcbn::encode_levels(Levels::Blob(blob), ushape, vmin, vmax, &mut out),
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
    let canonical_json = &head[9..9 + bh.header_len() as usize];
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
