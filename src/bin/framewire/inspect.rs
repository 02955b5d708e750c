//! `framewire inspect`: the format and every header field as one JSON object
//! on one line.

use std::io::Write as _;
use std::path::Path;

use framewire::json::{self, Reader, Token};
use framewire::{imgpack, sac, vcbn, AnyFrame};

use crate::{bad, shown, Failure};

pub(crate) use framewire::Format;

/// Tells the format apart by the first four bytes ([`Format::detect`]).
pub(crate) fn detect(path: &Path, bytes: &[u8]) -> Result<Format, Failure> {
    Format::detect(bytes).map_err(|e| bad(shown(path), e))
}

/// Reads a whole input file.
pub(crate) fn read_input(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| bad(shown(path), format_args!("cannot read: {e}")))
}

/// A JSON object under construction: keys in insertion order, values as JSON
/// text. Setting a key again replaces its value in place (as a Python dict).
#[derive(Default)]
pub(crate) struct Object {
    fields: Vec<(String, String)>,
}

impl Object {
    pub(crate) fn set(&mut self, key: &str, value: String) {
        match self.fields.iter_mut().find(|(k, _)| k == key) {
            Some(field) => field.1 = value,
            None => self.fields.push((key.to_owned(), value)),
        }
    }

    pub(crate) fn render(&self) -> String {
        let mut s = String::from("{");
        for (i, (k, v)) in self.fields.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push_str(&string(k));
            s.push(':');
            s.push_str(v);
        }
        s.push('}');
        s
    }
}

/// A JSON string literal.
pub(crate) fn string(s: &str) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = json::write_str(&mut out, s);
    out
}

/// A float as Python's `json.dumps` writes it; the non-finite values, which
/// Python writes as the non-JSON `NaN`/`Infinity`, become JSON strings.
fn float(x: f64) -> String {
    if x.is_nan() {
        return string("NaN");
    }
    if x.is_infinite() {
        return string(if x > 0.0 { "Infinity" } else { "-Infinity" });
    }
    let mut out = String::new();
    let _ = json::write_f64(&mut out, x);
    out
}

/// JSON text without the whitespace outside strings.
fn minify(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in raw.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
            if c == '"' {
                in_string = true;
            }
            out.push(c);
        }
    }
    out
}

/// Sets every SAC header field on `o`.
pub(crate) fn sac_fields(o: &mut Object, h: &sac::Header) {
    o.set("flags", h.flags.to_string());
    o.set("dtype_code", h.dtype_code.to_string());
    o.set("arrays_count", h.arrays_count.to_string());
    o.set("reserved", h.reserved.to_string());
    o.set("length_a", h.length_a().to_string());
    o.set("length_b", h.length_b().to_string());
    o.set("width", h.width().to_string());
    o.set("height", h.height().to_string());
}

/// Header keys the tool reports from the decoded header (with defaults
/// applied), so they are not repeated from the raw JSON. `version` is the
/// envelope's VERSION byte.
const REPORTED: [&str; 8] = [
    "dtype",
    "endianness",
    "shape",
    "order",
    "resolution",
    "vmin",
    "vmax",
    "version",
];

/// Sets every VCBN header field on `o`: the decoded ones (defaults
/// applied), then every other key of the header JSON `text` as written.
pub(crate) fn vcbn_fields(
    o: &mut Object,
    path: &Path,
    h: &vcbn::Header,
    text: &str,
) -> Result<(), Failure> {
    let [height, width] = h.shape().to_array();
    o.set("magic", string(h.magic().as_str()));
    o.set("version", h.version().to_string());
    o.set("dtype", string(h.dtype().name()));
    o.set("endianness", string(h.endianness().name()));
    o.set("shape", format!("[{height},{width}]"));
    o.set("order", string(h.order().name()));
    o.set("resolution", h.resolution().to_string());
    o.set("vmin", float(h.vmin()));
    o.set("vmax", float(h.vmax()));

    // Every other top-level key, with its value as written.
    other_keys(
        o,
        path,
        text,
        vcbn::PREFIX_LEN,
        &REPORTED,
        &["format", "magic"],
    )
}

/// Sets every top-level key of the header JSON `text` (which starts at byte
/// `shift` of the file) but those in `reported` on `o`, with its value as
/// written; a key in `renamed` (one the tool itself emits with its own
/// meaning) becomes `header.KEY`.
fn other_keys(
    o: &mut Object,
    path: &Path,
    text: &str,
    shift: usize,
    reported: &[&str],
    renamed: &[&str],
) -> Result<(), Failure> {
    let fail = |e: framewire::Error| bad(shown(path), e.shifted(shift as u64));
    let mut r = Reader::new(text, vcbn::Limits::DEFAULT.max_depth());
    if !matches!(r.next().transpose().map_err(fail)?, Some(i) if i.token == Token::BeginObject) {
        return Err(bad(shown(path), "header JSON is not an object"));
    }
    loop {
        let Some(item) = r.next().transpose().map_err(fail)? else {
            return Err(bad(shown(path), "header JSON ends inside the object"));
        };
        let key = match item.token {
            Token::EndObject => break,
            Token::Key(k) => k.chars().collect::<String>(),
            _ => return Err(bad(shown(path), "header JSON: expected a key")),
        };
        let (start, end) = r.skip_value().map_err(fail)?;
        if reported.contains(&key.as_str()) {
            continue;
        }
        let raw = minify(text.get(start..end).unwrap_or(""));
        // A value strict JSON readers refuse (Python's NaN/Infinity anywhere
        // in it, a number beyond f64 such as 1e400) is reported as a string
        // holding its text, so the output always parses.
        let value = if serde_json::from_str::<serde_json::Value>(&raw).is_ok() {
            raw
        } else {
            string(&raw)
        };
        // Keys the tool itself emits keep the tool's meaning.
        if renamed.contains(&key.as_str()) {
            o.set(&format!("header.{key}"), value);
        } else {
            o.set(&key, value);
        }
    }
    Ok(())
}

/// The keys of imgpack's header, in the order imgpack writes them.
const IMGPACK_KEYS: [&str; 11] = [
    "format",
    "version",
    "dtype",
    "endianness",
    "shape",
    "order",
    "size",
    "bits",
    "resolution",
    "vmin",
    "vmax",
];

/// An optional value: JSON `null` for `None`.
fn or_null<T>(v: Option<T>, f: impl Fn(T) -> String) -> String {
    v.map_or_else(|| "null".to_owned(), f)
}

/// Sets every imgpack header field on `o`, in imgpack's key order: the
/// decoded ones (defaults applied: `endianness` `"LE"` when absent, but
/// for `packed`; `order` `"C"`; `vmin`/`vmax` 0.0 and 1.0), `null` where
/// the header has `null` or no value (`version`, `size`, `bits`,
/// `resolution` have no default); then every other key of the header JSON
/// `text` as written.
pub(crate) fn imgpack_fields(
    o: &mut Object,
    path: &Path,
    h: &imgpack::Header,
    text: &str,
) -> Result<(), Failure> {
    let [height, width] = h.shape().to_array();
    o.set("format", string(imgpack::FORMAT_NAME));
    o.set("version", or_null(h.version(), |v| v.to_string()));
    o.set("dtype", string(h.dtype().name()));
    o.set("endianness", or_null(h.endianness(), |e| string(e.name())));
    o.set("shape", format!("[{height},{width}]"));
    o.set("order", string(h.order().name()));
    o.set("size", or_null(h.size(), float));
    o.set("bits", or_null(h.bits(), |b| b.to_string()));
    o.set("resolution", or_null(h.resolution(), |r| r.to_string()));
    o.set("vmin", float(h.vmin()));
    o.set("vmax", float(h.vmax()));
    other_keys(o, path, text, imgpack::PREFIX_LEN, &IMGPACK_KEYS, &[])
}

/// Runs `inspect`.
pub(crate) fn run(path: &Path) -> Result<(), Failure> {
    let bytes = read_input(path)?;
    let mut object = Object::default();
    let frame = framewire::decode_any(&bytes).map_err(|e| bad(shown(path), e))?;
    object.set("format", string(frame.format().name()));
    match frame {
        AnyFrame::Sac(frame) => sac_fields(&mut object, frame.header()),
        AnyFrame::Vcbn(frame) => vcbn_fields(&mut object, path, frame.header(), frame.json())?,
        AnyFrame::Imgpack(frame) => {
            imgpack_fields(&mut object, path, frame.header(), frame.json())?
        }
        other => {
            return Err(bad(
                shown(path),
                format_args!("{} frames are not supported here", other.format().name()),
            ))
        }
    }
    let mut line = object.render();
    line.push('\n');
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(line.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| bad("stdout", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minify_keeps_strings() {
        assert_eq!(
            minify("{ \"a b\" : [1, 2],\n \"c\\\" d\": \"x y\" }"),
            "{\"a b\":[1,2],\"c\\\" d\":\"x y\"}"
        );
    }

    #[test]
    fn floats_as_python() {
        assert_eq!(float(1e-05), "1e-05");
        assert_eq!(float(1.0), "1.0");
        assert_eq!(float(f64::NAN), "\"NaN\"");
        assert_eq!(float(f64::NEG_INFINITY), "\"-Infinity\"");
    }

    #[test]
    fn object_replaces_in_place() {
        let mut o = Object::default();
        o.set("a", "1".into());
        o.set("b", "2".into());
        o.set("a", "3".into());
        assert_eq!(o.render(), r#"{"a":3,"b":2}"#);
    }
}
