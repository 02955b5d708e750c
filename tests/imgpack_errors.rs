//! The imgpack decoder's strict checks: each cause its own error, at the
//! right offset, with a message that says what was wrong.

use framewire::frame::{self, Format};
use framewire::imgpack::{self, Data, Dtype};
use framewire::{Error, Field};

/// A message around `json` and `blob`, padded by the layout's rule for `size`.
fn msg(json: &str, size: usize, blob: &[u8]) -> &'static [u8] {
    let mut v = (json.len() as u32).to_be_bytes().to_vec();
    v.extend_from_slice(json.as_bytes());
    while v.len() % size != 0 {
        v.push(0);
    }
    v.extend_from_slice(blob);
    v.leak()
}

fn err(json: &str, size: usize, blob: &[u8]) -> Error {
    imgpack::decode(msg(json, size, blob)).unwrap_err()
}

#[test]
fn endianness_is_honoured() {
    let j = r#"{"dtype":"uint16","shape":[1,2],"bits":16,"endianness":"BE"}"#;
    let f = imgpack::decode(msg(j, 2, &[0x01, 0x02, 0xff, 0x00])).unwrap();
    assert!(matches!(f.data(), Data::U16Be(_)));
    assert_eq!(
        f.data().levels().unwrap().collect::<Vec<_>>(),
        [0x0102, 0xff00]
    );
    let j = r#"{"dtype":"float32","shape":[1,1],"endianness":"BE"}"#;
    let f = imgpack::decode(msg(j, 4, &1.5f32.to_be_bytes())).unwrap();
    assert_eq!(f.data().float(0), Some(1.5));
    // Absent: little-endian.
    let j = r#"{"dtype":"uint32","shape":[1,1],"bits":20}"#;
    let f = imgpack::decode(msg(j, 4, &[1, 0, 0, 0])).unwrap();
    assert_eq!(f.data().level(0), Some(1));
}

#[test]
fn null_endianness_only_where_byte_order_does_not_matter() {
    for (dtype, size, ok) in [
        ("packed", 1, true),
        ("uint8", 1, true),
        ("uint16", 2, false),
        ("float64", 8, false),
    ] {
        let j = format!(r#"{{"dtype":"{dtype}","shape":[1,1],"bits":4,"endianness":null}}"#);
        let blob = vec![0u8; size];
        let r = imgpack::decode(msg(&j, size, &blob));
        if ok {
            assert!(r.is_ok(), "{dtype}: {r:?}");
        } else {
            let e = r.unwrap_err();
            assert!(
                matches!(
                    e,
                    Error::InvalidValue {
                        field: Field::Endianness,
                        ..
                    }
                ),
                "{dtype}: {e:?}"
            );
            assert!(e.to_string().contains("endianness"));
        }
    }
}

#[test]
fn bits_must_fit_the_dtype() {
    for (dtype, bits, size) in [
        ("uint8", 9, 1),
        ("uint16", 17, 2),
        ("uint32", 33, 4),
        ("packed", 33, 1),
        ("packed", 0, 1),
    ] {
        let j = format!(r#"{{"dtype":"{dtype}","shape":[1,1],"bits":{bits}}}"#);
        let e = err(&j, size, &[0; 8][..size]);
        assert!(
            matches!(e, Error::InvalidValue { field: Field::Bits, offset, .. } if offset == 4 + j.find(&format!(":{bits}}}")).unwrap() as u64 + 1),
            "{dtype} {bits}: {e:?}"
        );
    }
    let e = err(r#"{"dtype":"packed","shape":[1,1]}"#, 1, &[0]);
    assert_eq!(e, Error::MissingField { field: Field::Bits });
    let e = err(r#"{"dtype":"uint8","shape":[1,1],"bits":null}"#, 1, &[0]);
    assert!(
        matches!(
            e,
            Error::WrongType {
                field: Field::Bits,
                ..
            }
        ),
        "{e:?}"
    );
    // Floats: bits null, absent or an integer, all ignored.
    for b in [r#","bits":null"#, "", r#","bits":7"#] {
        let j = format!(r#"{{"dtype":"float16","shape":[1,1]{b}}}"#);
        assert!(imgpack::decode(msg(&j, 2, &[0, 0x3c])).is_ok(), "{j}");
    }
}

#[test]
fn the_blob_must_be_exactly_as_long_as_the_header_says() {
    // 3 levels of 12 bits: ceil(36/8) = 5 bytes.
    let j = r#"{"dtype":"packed","shape":[1,3],"bits":12}"#;
    assert!(imgpack::decode(msg(j, 1, &[0; 5])).is_ok());
    assert!(matches!(err(j, 1, &[0; 4]), Error::Truncated { .. }));
    assert!(matches!(err(j, 1, &[0; 6]), Error::TrailingBytes { .. }));
    let j = r#"{"dtype":"float64","shape":[2,1]}"#;
    assert!(matches!(err(j, 8, &[0; 15]), Error::Truncated { .. }));
    assert!(matches!(err(j, 8, &[0; 17]), Error::TrailingBytes { .. }));
}

#[test]
fn bad_keys_have_their_own_errors() {
    let e = err(r#"{"dtype":"int8","shape":[1,1],"bits":4}"#, 1, &[0]);
    assert!(
        matches!(
            e,
            Error::InvalidValue {
                field: Field::Dtype,
                offset: 13,
                ..
            }
        ),
        "{e:?}"
    );
    let e = err(
        r#"{"format":"vcbin","dtype":"uint8","shape":[1,1],"bits":4}"#,
        1,
        &[0],
    );
    assert!(
        matches!(
            e,
            Error::InvalidValue {
                field: Field::Format,
                ..
            }
        ),
        "{e:?}"
    );
    let e = err(
        r#"{"version":0,"dtype":"uint8","shape":[1,1],"bits":4}"#,
        1,
        &[0],
    );
    assert!(
        matches!(
            e,
            Error::InvalidValue {
                field: Field::Version,
                ..
            }
        ),
        "{e:?}"
    );
    let e = err(
        r#"{"dtype":"uint8","dtype":"uint8","shape":[1,1],"bits":4}"#,
        1,
        &[0],
    );
    assert!(
        matches!(
            e,
            Error::DuplicateField {
                field: Field::Dtype,
                ..
            }
        ),
        "{e:?}"
    );
    let e = err(r#"{"shape":[1,1],"bits":4}"#, 1, &[0]);
    assert_eq!(
        e,
        Error::MissingField {
            field: Field::Dtype
        }
    );
    let e = err(r#"{"dtype":"uint8","shape":[1],"bits":4}"#, 1, &[0]);
    assert!(matches!(e, Error::BadShape { .. }), "{e:?}");
    let e = err(
        r#"{"dtype":"uint8","shape":[1,1],"bits":4,"vmin":"0"}"#,
        1,
        &[0],
    );
    assert!(
        matches!(
            e,
            Error::WrongType {
                field: Field::Vmin,
                ..
            }
        ),
        "{e:?}"
    );
    let e = err(r#"{"dtype":"uint8","shape":[1,1],"bits":4"#, 1, &[0]);
    assert!(matches!(e, Error::JsonSyntax { .. }), "{e:?}");
    // Python's NaN for vmin/vmax (all-NaN input and no range) is read.
    let f = imgpack::decode(msg(
        r#"{"dtype":"uint8","shape":[1,1],"bits":4,"vmin":NaN,"vmax":NaN}"#,
        1,
        &[0],
    ))
    .unwrap();
    assert!(f.header().vmin().is_nan());
    let mut back = [1.0f32];
    f.dequantize_into(&mut back).unwrap();
    assert!(back[0].is_nan());
}

#[test]
fn copy_outs_refuse_what_does_not_fit() {
    let j = r#"{"dtype":"uint16","shape":[1,1],"bits":8}"#;
    let f = imgpack::decode(msg(j, 2, &[7, 0])).unwrap();
    assert_eq!(
        f.data().copy_levels_to_u8(&mut [0]),
        Err(Error::LevelsTooWide {
            level_bits: 16,
            dst_bits: 8
        })
    );
    assert!(matches!(
        f.data().copy_levels_to_u16(&mut [0, 0]),
        Err(Error::LengthMismatch { .. })
    ));
    assert!(matches!(
        f.data().copy_floats_to_f32(&mut [0.0]),
        Err(Error::WrongDataKind { .. })
    ));
    let j = r#"{"dtype":"float32","shape":[1,1]}"#;
    let f = imgpack::decode(msg(j, 4, &[0; 4])).unwrap();
    assert!(matches!(
        f.data().levels(),
        Err(Error::WrongDataKind {
            dtype: "float32",
            ..
        })
    ));
    assert!(matches!(
        f.dequantize_into(&mut [0.0]),
        Err(Error::WrongDataKind { .. })
    ));
    assert_eq!(f.header().dtype(), Dtype::F32);
}

#[test]
fn detection_needs_no_known_magic_and_a_brace_at_byte_4() {
    let m = msg(r#"{"dtype":"uint8","shape":[1,1],"bits":8}"#, 1, &[9]);
    assert_eq!(Format::detect(m), Ok(Format::Imgpack));
    assert_eq!(
        Format::detect(&m[..4]).unwrap_err(),
        Error::BadMagic {
            found: m[..4].try_into().unwrap(),
            expected: "\"SAC1\", \"VCBN\", \"IMPK\" or \"CBIN\""
        }
    );
    let mut not = m.to_vec();
    not[4] = b' ';
    assert!(matches!(Format::detect(&not), Err(Error::BadMagic { .. })));
    let (f, rest) = frame::take_from_bytes(&[m, &[1, 2]].concat(), &Default::default())
        .map(|(f, r)| (f.format(), r.to_vec()))
        .unwrap();
    assert_eq!((f, rest), (Format::Imgpack, vec![1, 2]));
}

/// The length field of this layout is its first four bytes: the error
/// points there (VCBN's `HEADER_LEN` is at offset 5).
#[test]
fn header_too_long_points_at_the_prefix() {
    let mut m = (70_000u32).to_be_bytes().to_vec();
    m.extend_from_slice(b"{\"dtype\":\"uint8\"}");
    let e = imgpack::decode(&m).unwrap_err();
    assert_eq!(
        e,
        Error::HeaderTooLong {
            len: 70_000,
            limit: u64::from(framewire::vcbn::DEFAULT_MAX_JSON_LEN),
            offset: 0,
        }
    );
    assert_eq!(e.offset(), Some(0));
    assert_eq!(
        e.to_string(),
        "header too long: HEADER_LEN at offset 0 is 70000 bytes, over the limit of 65536"
    );
}

/// imgpack's header keys with a valid value each (a `uint8` message of one
/// level), in the order imgpack writes them.
const EVERY_KEY: [(&str, &str, Field); 11] = [
    ("format", r#""imgpack""#, Field::Format),
    ("version", "1", Field::Version),
    ("dtype", r#""uint8""#, Field::Dtype),
    ("endianness", r#""LE""#, Field::Endianness),
    ("shape", "[1,1]", Field::Shape),
    ("order", r#""C""#, Field::Order),
    ("size", "9.5367431640625e-07", Field::Size),
    ("bits", "4", Field::Bits),
    ("resolution", "16", Field::Resolution),
    ("vmin", "0.0", Field::Vmin),
    ("vmax", "1.0", Field::Vmax),
];

fn header_of(keys: &[(&str, &str, Field)]) -> String {
    let members: Vec<String> = keys
        .iter()
        .map(|(k, v, _)| format!(r#""{k}":{v}"#))
        .collect();
    format!("{{{}}}", members.join(","))
}

#[test]
fn duplicate_field_every_known_key() {
    for &(key, value, field) in &EVERY_KEY {
        let mut json = header_of(&EVERY_KEY);
        json.pop();
        json.push_str(&format!(r#","{key}":{value}}}"#));
        let second = json.rfind(&format!("\"{key}\"")).unwrap();
        assert_eq!(
            err(&json, 1, &[0]),
            Error::DuplicateField {
                field,
                offset: 4 + second as u64
            },
            "{json}"
        );
    }
    // Unknown keys may repeat.
    let json = r#"{"x":1,"dtype":"uint8","shape":[1,1],"bits":4,"x":2}"#;
    imgpack::decode(msg(json, 1, &[0])).unwrap();
}

#[test]
fn has_key_tells_each_absent_key() {
    let all = imgpack::decode(msg(&header_of(&EVERY_KEY), 1, &[0])).unwrap();
    for &(_, _, field) in &EVERY_KEY {
        assert!(all.header().has_key(field), "{field}");
    }
    assert!(!all.header().has_key(Field::Blob), "not a header key");
    for (i, &(key, _, absent)) in EVERY_KEY.iter().enumerate() {
        if matches!(absent, Field::Dtype | Field::Shape | Field::Bits) {
            continue; // required for uint8
        }
        let mut keys = EVERY_KEY.to_vec();
        keys.remove(i);
        let f = imgpack::decode(msg(&header_of(&keys), 1, &[0])).unwrap();
        for &(_, _, field) in &EVERY_KEY {
            assert_eq!(
                f.header().has_key(field),
                field != absent,
                "without {key}: {field}"
            );
        }
    }
}

#[test]
fn string_escapes_are_decoded_in_every_value() {
    // `"uint\u0038"` is `"uint8"`, as in every other string key.
    let j = r#"{"dtype":"uint\u0038","shape":[1,1],"bits":8}"#;
    let f = imgpack::decode(msg(j, 1, &[7])).unwrap();
    assert_eq!(f.header().dtype(), Dtype::U8);
    assert_eq!(f.data().level(0), Some(7));
    let j = r#"{"dtype":"fl\u006fat16","shape":[1,1],"endianness":"\u004cE"}"#;
    assert_eq!(
        imgpack::decode(msg(j, 2, &[0, 0x3c]))
            .unwrap()
            .data()
            .float(0),
        Some(1.0)
    );
    // An escape that decodes to no dtype is still refused.
    assert!(matches!(
        err(r#"{"dtype":"uint\u0039","shape":[1,1],"bits":8}"#, 1, &[7]),
        Error::InvalidValue {
            field: Field::Dtype,
            offset: 13, // 4 + 9: offsets count from the message's first byte
            ..
        }
    ));
}

#[test]
fn an_empty_header_is_said_to_be_empty() {
    for json in ["", " \t\r\n"] {
        let e = err(json, 1, &[]);
        assert_eq!(
            e,
            Error::JsonSyntax {
                offset: 4 + json.len() as u64,
                expected: "'{' (the header is empty)"
            },
            "{json:?}"
        );
        assert!(e.to_string().contains("the header is empty"), "{e}");
    }
}
