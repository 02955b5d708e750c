//! `POST /set_mode`: the live stream's wire format, as imgpack's demo server
//! takes it. `{"dtype": "packed", "bits": 12}` switches every following
//! frame (the animation, and an array posted to `/set_array`, re-encoded at
//! once) to imgpack's latest layout with that dtype and `bits`
//! (`docs/FORMATS.md` §8); `{"format": "vcbn"}` switches back to VCBN
//! envelopes.
//!
//! The body is a JSON object, sent as `application/json` (415 otherwise;
//! the Origin check of every POST is in `server.rs`), of at most
//! [`MAX_MODE_BODY`] bytes (413 beyond), read within [`MODE_BODY_TIMEOUT`]
//! and parsed, like `/set_array` bodies, one at a time
//! ([`PARSE_SLOTS`](crate::live::PARSE_SLOTS)). Its keys:
//!
//! | key | value |
//! |---|---|
//! | `format` | `"imgpack"` (the default) or `"vcbn"` (then no other key) |
//! | `dtype` | `"packed"`, `"uint8"`, `"uint16"`, `"uint32"`, `"float16"`, `"float32"` or `"float64"` (required for imgpack) |
//! | `bits` | 1..=32 for `packed` and `uint32`, 1..=16 for `uint16`, 1..=8 for `uint8`; default 12 (8 for `uint8`); absent or `null` for the floats |
//! | `endianness` | `"LE"` (the default) or `"BE"`; ignored by `packed` (imgpack writes `null`) |
//!
//! Any other key, or a value out of range, is a 400 saying which.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use framewire::imgpack::{self, Dtype, Endianness};
use framewire::quant::Samples;
use framewire::vcbn;
use http_body_util::BodyExt as _;
use serde_json::Value;

use crate::live::{bad_request, content_type, json, lock, unsupported, Live, Mode};
use crate::server::{announces_more_than, linger};

/// The largest `/set_mode` body.
pub const MAX_MODE_BODY: usize = 1024;
/// The time a `/set_mode` body may take to arrive (beyond: 408).
pub const MODE_BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// How the live stream's frames are encoded.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Wire {
    /// VCBN envelopes (`framewire::vcbn`), the default.
    Vcbn,
    /// imgpack's latest layout (`framewire::imgpack`).
    Imgpack {
        dtype: Dtype,
        /// Within the dtype's range; unused (and reported as `null`) for
        /// the floats.
        bits: u32,
        endianness: Endianness,
    },
}

impl Wire {
    /// The keys `/api/state` reports for the wire format (after a comma).
    pub(crate) fn state_keys(&self) -> String {
        match *self {
            Wire::Vcbn => "\"format\":\"vcbn\"".to_owned(),
            Wire::Imgpack {
                dtype,
                bits,
                endianness,
            } => {
                let bits = if dtype.is_float() {
                    "null".to_owned()
                } else {
                    bits.to_string()
                };
                let endianness = if dtype == Dtype::Packed {
                    "null"
                } else if endianness == Endianness::Big {
                    "\"BE\""
                } else {
                    "\"LE\""
                };
                format!(
                    "\"format\":\"imgpack\",\"dtype\":\"{}\",\"bits\":{bits},\"endianness\":{endianness}",
                    dtype.name()
                )
            }
        }
    }

    /// Encodes one frame: `samples` (`shape`, C order) over `[vmin, vmax]`;
    /// `vcbn_dtype` is the VCBN dtype (unused for imgpack).
    pub(crate) fn encode(
        &self,
        samples: Samples<'_>,
        shape: [usize; 2],
        vmin: f64,
        vmax: f64,
        vcbn_dtype: vcbn::Dtype,
    ) -> Result<Bytes, framewire::Error> {
        match *self {
            Wire::Vcbn => {
                crate::live::encode(samples, shape, &vcbn::Params::new(vcbn_dtype, vmin, vmax))
            }
            Wire::Imgpack {
                dtype,
                bits,
                endianness,
            } => {
                let input = match samples {
                    Samples::F32(v) => imgpack::Input::F32(v),
                    Samples::F64(v) => imgpack::Input::F64(v),
                    // The demo makes only f32 and f64 samples.
                    _ => {
                        return Err(framewire::Error::WrongDataKind {
                            dtype: "integer samples",
                            needed: "f32 or f64 samples",
                        })
                    }
                };
                let params = imgpack::Params::new(dtype, vmin, vmax)
                    .with_bits(bits)
                    .with_endianness(endianness);
                imgpack::encode_to_vec(input, shape.into(), &params).map(Bytes::from)
            }
        }
    }
}

/// The header JSON of a frame the demo made (VCBN or imgpack).
pub(crate) fn header_json(bytes: &[u8]) -> Result<String, String> {
    match framewire::decode_any(bytes).map_err(|e| e.to_string())? {
        framewire::AnyFrame::Vcbn(f) => Ok(f.json().to_owned()),
        framewire::AnyFrame::Imgpack(f) => Ok(f.json().to_owned()),
        _ => Err("the demo made a frame that is neither VCBN nor imgpack".to_owned()),
    }
}

/// The wire format a `/set_mode` body asks for, or why it is refused.
pub(crate) fn parse_mode(body: &[u8]) -> Result<Wire, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(
            "empty body: send a JSON object such as {\"dtype\":\"packed\",\"bits\":12}".to_owned(),
        );
    }
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("the body is not valid JSON: {e}"))?;
    let Value::Object(map) = value else {
        return Err(
            "the body must be a JSON object such as {\"dtype\":\"packed\",\"bits\":12}".to_owned(),
        );
    };
    for key in map.keys() {
        if !["format", "dtype", "bits", "endianness"].contains(&key.as_str()) {
            return Err(format!(
                "unknown key {key:?}: expected \"dtype\", \"bits\", \"endianness\" or \"format\""
            ));
        }
    }
    match map.get("format") {
        None => {}
        Some(Value::String(f)) if f == "imgpack" => {}
        Some(Value::String(f)) if f == "vcbn" => {
            if map.len() > 1 {
                return Err("\"format\":\"vcbn\" takes no other key (the VCBN dtype is set per array: /set_array?dtype=)".to_owned());
            }
            return Ok(Wire::Vcbn);
        }
        Some(other) => {
            return Err(format!(
                "\"format\" must be \"imgpack\" or \"vcbn\", not {other}"
            ))
        }
    }
    let names =
        "\"packed\", \"uint8\", \"uint16\", \"uint32\", \"float16\", \"float32\" or \"float64\"";
    let dtype = match map.get("dtype") {
        None => return Err(format!("\"dtype\" is required: {names}")),
        Some(Value::String(s)) => {
            Dtype::from_name(s).ok_or_else(|| format!("unknown dtype {s:?}: expected {names}"))?
        }
        Some(other) => return Err(format!("\"dtype\" must be a string ({names}), not {other}")),
    };
    let bits = match (dtype.max_bits(), map.get("bits")) {
        (None, None | Some(Value::Null)) => 0,
        (None, Some(other)) => {
            return Err(format!(
                "\"bits\" is for the n-bit dtypes; {} has none (send null or leave it out), not {other}",
                dtype.name()
            ))
        }
        (Some(max), None | Some(Value::Null)) => imgpack::DEFAULT_BITS.min(max),
        (Some(max), Some(v)) => {
            let b = v.as_u64().filter(|b| (1..=u64::from(max)).contains(b));
            match b.and_then(|b| u32::try_from(b).ok()) {
                Some(b) => b,
                None => {
                    return Err(format!(
                        "bits {v} does not fit the dtype {}: expected an integer from 1 to {max}",
                        dtype.name()
                    ))
                }
            }
        }
    };
    let endianness = match map.get("endianness") {
        None | Some(Value::Null) => Endianness::Little,
        Some(Value::String(s)) if s == "LE" => Endianness::Little,
        Some(Value::String(s)) if s == "BE" => Endianness::Big,
        Some(other) => {
            return Err(format!(
                "\"endianness\" must be \"LE\" or \"BE\", not {other}"
            ))
        }
    };
    Ok(Wire::Imgpack {
        dtype,
        bits,
        endianness,
    })
}

/// Reads at most [`MAX_MODE_BODY`] bytes within [`MODE_BODY_TIMEOUT`]; the
/// rest of a body found too large is drained ([`linger`]) while the 413
/// goes out.
async fn read_small(body: Body) -> Result<Vec<u8>, Response> {
    let mut body = body;
    let mut buf = Vec::new();
    let read = async {
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else {
                return Err(bad_request("the body could not be read"));
            };
            let Ok(chunk) = frame.into_data() else {
                continue;
            };
            if buf.len().saturating_add(chunk.len()) > MAX_MODE_BODY {
                return Ok(false);
            }
            buf.extend_from_slice(&chunk);
        }
        Ok(true)
    };
    match tokio::time::timeout(MODE_BODY_TIMEOUT, read).await {
        Err(_) => Err((StatusCode::REQUEST_TIMEOUT, "the body took too long\n").into_response()),
        Ok(Err(resp)) => Err(resp),
        Ok(Ok(false)) => {
            linger(body);
            Err(too_large())
        }
        Ok(Ok(true)) => Ok(buf),
    }
}

fn too_large() -> Response {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("body too large (the limit for /set_mode is {MAX_MODE_BODY} bytes)\n"),
    )
        .into_response()
}

/// `POST /set_mode`.
pub(crate) async fn set_mode(
    State(live): State<Arc<Live>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if content_type(&headers, &["application/json"], false).is_none() {
        linger(body);
        return unsupported(&["application/json"]);
    }
    if announces_more_than(&headers, MAX_MODE_BODY) {
        linger(body);
        return too_large();
    }
    let body = match read_small(body).await {
        Ok(b) => b,
        Err(resp) => return resp,
    };
    // One parse (and re-encode of a posted array) at a time, as /set_array.
    let _slot = match crate::live::parse_slot(&live).await {
        Ok(slot) => slot,
        Err(busy) => return busy,
    };
    let wire = match parse_mode(&body) {
        Ok(w) => w,
        Err(reason) => return bad_request(reason),
    };
    // A posted array is shown in the new format at once.
    let fixed = lock(&live.fixed).clone();
    let encoded = match fixed {
        Some(f) => {
            // A new frame of the posted array: not while slow viewers are
            // still receiving earlier ones.
            if let Some(busy) = live.busy_with_held_frames() {
                return busy;
            }
            let done = tokio::task::spawn_blocking(move || f.encode(&wire)).await;
            match done {
                Ok(Ok(bytes)) => Some(bytes),
                Ok(Err(e)) => return bad_request(e),
                Err(e) => {
                    return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response()
                }
            }
        }
        None => None,
    };
    {
        let mode = lock(&live.mode);
        if let (Mode::Fixed, Some(bytes)) = (*mode, encoded) {
            // Refused: the format stays as it was.
            if let Some(busy) = live.publish_array(&mode, bytes) {
                return busy;
            }
        }
        *lock(&live.wire) = wire;
        if *mode == Mode::Animated {
            // A new viewer's first frame is in the new format.
            live.publish_animation(&mode, &mut Vec::new());
        }
    }
    json(StatusCode::OK, live.state_json())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(body: &str) -> Wire {
        parse_mode(body.as_bytes()).unwrap_or_else(|e| panic!("{body}: {e}"))
    }

    fn err(body: &str) -> String {
        match parse_mode(body.as_bytes()) {
            Ok(w) => panic!("{body}: accepted as {w:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn accepted() {
        assert_eq!(
            ok(r#"{"dtype":"packed","bits":12}"#),
            Wire::Imgpack {
                dtype: Dtype::Packed,
                bits: 12,
                endianness: Endianness::Little
            }
        );
        assert_eq!(
            ok(r#"{"dtype":"uint32","bits":32,"endianness":"BE","format":"imgpack"}"#),
            Wire::Imgpack {
                dtype: Dtype::U32,
                bits: 32,
                endianness: Endianness::Big
            }
        );
        assert_eq!(
            ok(r#"{"dtype":"uint8"}"#),
            Wire::Imgpack {
                dtype: Dtype::U8,
                bits: 8,
                endianness: Endianness::Little
            }
        );
        assert!(matches!(
            ok(r#"{"dtype":"float64","bits":null}"#),
            Wire::Imgpack {
                dtype: Dtype::F64,
                ..
            }
        ));
        assert_eq!(ok(r#" {"format":"vcbn"} "#), Wire::Vcbn);
        for bits in 1..=32 {
            ok(&format!(r#"{{"dtype":"packed","bits":{bits}}}"#));
        }
    }

    #[test]
    fn refused_with_the_reason() {
        assert!(err("").starts_with("empty body"));
        assert!(err("{").starts_with("the body is not valid JSON"));
        assert!(err("[1]").starts_with("the body must be a JSON object"));
        assert!(err(r#"{"dtype":"int8"}"#).starts_with("unknown dtype \"int8\""));
        assert!(err(r#"{"dtype":7}"#).starts_with("\"dtype\" must be a string"));
        assert!(err(r#"{"bits":12}"#).starts_with("\"dtype\" is required"));
        for (dtype, bad) in [
            ("uint8", "9"),
            ("uint8", "0"),
            ("uint16", "17"),
            ("packed", "33"),
            ("uint32", "-1"),
            ("packed", "12.5"),
            ("packed", "\"12\""),
        ] {
            let e = err(&format!(r#"{{"dtype":"{dtype}","bits":{bad}}}"#));
            assert!(
                e.starts_with(&format!("bits {bad} does not fit the dtype {dtype}")),
                "{e}"
            );
        }
        assert!(err(r#"{"dtype":"float32","bits":12}"#).contains("float32 has none"));
        assert!(err(r#"{"dtype":"uint16","endianness":"XE"}"#).starts_with("\"endianness\""));
        assert!(err(r#"{"dtype":"uint16","bit":12}"#).starts_with("unknown key \"bit\""));
        assert!(err(r#"{"format":"vcbn","dtype":"uint16"}"#).contains("takes no other key"));
        assert!(err(r#"{"format":"png"}"#).starts_with("\"format\" must be"));
    }
}
