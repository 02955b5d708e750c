//! `POST /set_array`: a JSON 2-D list (bare, or as imgpack's demo sends it,
//! `{"data": [[...]]}`) or an `.npy` file from the request body, shown on
//! the live stream until `POST /animate`, in the stream's wire format
//! (`/set_mode`; re-encoded when that changes).
//!
//! The body is read chunk by chunk within [`BODY_TIMEOUT`], at most
//! [`MAX_BODY`] bytes (`413` beyond), one array at a time
//! ([`PARSE_SLOTS`](crate::live::PARSE_SLOTS)); JSON goes straight into one
//! flat buffer (`jsonarray.rs`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use framewire::quant::{nan_min_max_f64, Samples};
use framewire::vcbn::Dtype;
use http_body_util::BodyExt as _;

use crate::jsonarray;
use crate::live::{
    bad_request, content_type, json, lock, unsupported, Live, Mode, BODY_TIMEOUT, MAX_BODY,
    MAX_ELEMENTS,
};
use crate::mode::Wire;
use crate::server::{announces_more_than, linger};

/// A posted array as shown: kept, so that `/set_mode` can re-encode it.
pub(crate) struct Fixed {
    array: Array,
    vmin: f64,
    vmax: f64,
    /// `?dtype=`, for the VCBN wire format.
    vcbn_dtype: Dtype,
}

impl Fixed {
    /// The array as one frame in `wire`'s format.
    pub(crate) fn encode(&self, wire: &Wire) -> Result<Bytes, String> {
        wire.encode(
            self.array.samples(),
            self.array.shape,
            self.vmin,
            self.vmax,
            self.vcbn_dtype,
        )
        .map_err(|e| e.to_string())
    }
}

/// A 2-D array from a request body, C order.
struct Array {
    shape: [usize; 2],
    values: Values,
}

enum Values {
    F32(Vec<f32>),
    F64(Vec<f64>),
}

impl Array {
    fn samples(&self) -> Samples<'_> {
        match &self.values {
            Values::F32(v) => Samples::F32(v),
            Values::F64(v) => Samples::F64(v),
        }
    }

    /// The same array in f32 when every value is one (NaN included), so that
    /// the array kept for `/set_mode` takes 4 bytes a value, not 8. Lossless:
    /// every encoder gives the same bytes for an f32-exact f64 as for the
    /// f32 (the n-bit dtypes round to f32 first, the floats convert the value).
    fn compact(self) -> Array {
        let Values::F64(v) = &self.values else {
            return self;
        };
        let exact = v.iter().all(|&x| x.is_nan() || f64::from(x as f32) == x);
        if !exact {
            return self;
        }
        let f32s = v.iter().map(|&x| x as f32).collect();
        Array {
            shape: self.shape,
            values: Values::F32(f32s),
        }
    }

    /// NaN-ignoring minimum and maximum, as `np.nanmin` / `np.nanmax`.
    fn range(&self) -> Option<(f64, f64)> {
        match &self.values {
            Values::F32(v) => {
                framewire::quant::nan_min_max(v).map(|(lo, hi)| (f64::from(lo), f64::from(hi)))
            }
            Values::F64(v) => nan_min_max_f64(v),
        }
    }
}

fn check_size(h: u64, w: u64) -> Result<[usize; 2], String> {
    let n = h.checked_mul(w).filter(|&n| n <= MAX_ELEMENTS);
    match n {
        Some(0) => Err(format!("the array is empty (shape {h}x{w})")),
        Some(_) => Ok([h as usize, w as usize]),
        None => Err(format!(
            "the array is too large ({h}x{w}); at most {MAX_ELEMENTS} values"
        )),
    }
}

/// A 2-D `.npy` array of floats or integers.
fn parse_npy(body: &[u8]) -> Result<Array, String> {
    use npyz::{NpyFile, Order, TypeChar};
    let npy = NpyFile::new(body).map_err(|e| format!("bad .npy file: {e}"))?;
    let shape = npy.shape().to_vec();
    let [h, w] = shape[..] else {
        return Err(format!("the .npy array must be 2-D, found shape {shape:?}"));
    };
    let dims = check_size(h, w)?;
    // Exactly the data the header announces: no more (npyz stops reading
    // after the last value) and no less.
    if let npyz::DType::Plain(t) = npy.dtype() {
        // Bytes, not `size_field` (which counts characters for `<U`).
        let item = t.num_bytes().and_then(|n| u64::try_from(n).ok());
        let data = h
            .checked_mul(w)
            .and_then(|n| item.and_then(|item| n.checked_mul(item)));
        let have = npy_data_len(body);
        if let (Some(data), Some(have)) = (data, have) {
            if have > data {
                return Err(format!(
                    "bad .npy file: {} bytes after the {data} bytes of data its header announces",
                    have - data
                ));
            }
        }
    }
    let fortran = npy.order() == Order::Fortran;
    let descr = npy.dtype().descr();
    let (kind, size) = match npy.dtype() {
        npyz::DType::Plain(t) => (Some(t.type_char()), t.size_field()),
        _ => (None, 0),
    };
    let fail = |e: std::io::Error| format!("bad .npy data: {e}");
    let values = match (kind, size) {
        (Some(TypeChar::Float), 4) => Values::F32(npy.into_vec::<f32>().map_err(fail)?),
        (Some(TypeChar::Float), 8) => Values::F64(npy.into_vec::<f64>().map_err(fail)?),
        (Some(TypeChar::Int), 1) => ints(npy.into_vec::<i8>().map_err(fail)?),
        (Some(TypeChar::Int), 2) => ints(npy.into_vec::<i16>().map_err(fail)?),
        (Some(TypeChar::Int), 4) => ints(npy.into_vec::<i32>().map_err(fail)?),
        (Some(TypeChar::Int), 8) => Values::F64(
            npy.into_vec::<i64>()
                .map_err(fail)?
                .into_iter()
                .map(|v| v as f64)
                .collect(),
        ),
        (Some(TypeChar::Uint), 1) => ints(npy.into_vec::<u8>().map_err(fail)?),
        (Some(TypeChar::Uint), 2) => ints(npy.into_vec::<u16>().map_err(fail)?),
        (Some(TypeChar::Uint), 4) => ints(npy.into_vec::<u32>().map_err(fail)?),
        (Some(TypeChar::Uint), 8) => Values::F64(
            npy.into_vec::<u64>()
                .map_err(fail)?
                .into_iter()
                .map(|v| v as f64)
                .collect(),
        ),
        (Some(TypeChar::Bool), 1) => Values::F64(
            npy.into_vec::<bool>()
                .map_err(fail)?
                .into_iter()
                .map(|v| f64::from(u8::from(v)))
                .collect(),
        ),
        _ => {
            return Err(format!(
                "unsupported .npy dtype {descr} (send float32, float64, an integer or a bool array)"
            ))
        }
    };
    let mut array = Array {
        shape: dims,
        values,
    };
    if fortran {
        array.values = match array.values {
            Values::F32(v) => Values::F32(to_c_order(&v, dims)),
            Values::F64(v) => Values::F64(to_c_order(&v, dims)),
        };
    }
    Ok(array)
}

/// The bytes after an `.npy` file's header (versions 1 to 3).
fn npy_data_len(body: &[u8]) -> Option<u64> {
    let major = *body.get(6)?;
    let (len, at) = match major {
        1 => (
            u64::from(u16::from_le_bytes([*body.get(8)?, *body.get(9)?])),
            10u64,
        ),
        _ => (
            u64::from(u32::from_le_bytes([
                *body.get(8)?,
                *body.get(9)?,
                *body.get(10)?,
                *body.get(11)?,
            ])),
            12u64,
        ),
    };
    (body.len() as u64).checked_sub(at + len)
}

fn ints<T: Into<f64>>(v: Vec<T>) -> Values {
    Values::F64(v.into_iter().map(Into::into).collect())
}

/// Column-major `[h, w]` data in row-major order.
fn to_c_order<T: Copy>(v: &[T], [h, w]: [usize; 2]) -> Vec<T> {
    let mut out = Vec::with_capacity(v.len());
    for r in 0..h {
        for c in 0..w {
            if let Some(&x) = v.get(c * h + r) {
                out.push(x);
            }
        }
    }
    out
}

fn query_f64(q: &HashMap<String, String>, key: &str) -> Result<Option<f64>, String> {
    match q.get(key) {
        None => Ok(None),
        Some(s) => s
            .trim()
            .parse::<f64>()
            .map(Some)
            .map_err(|_| format!("?{key}={s:?} is not a number")),
    }
}

fn too_large() -> Response {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!(
            "body too large (the limit is {} MiB)\n",
            MAX_BODY / (1024 * 1024)
        ),
    )
        .into_response()
}

/// What a `/set_array` body became, or the response that refuses it.
enum Parsed {
    Json(Result<Array, String>),
    Npy(Vec<u8>),
}

/// Reads the body chunk by chunk: JSON into the flat parser, `.npy` into
/// one buffer (the format needs its header before its data).
async fn read_body(body: Body, npy: bool) -> Result<Parsed, Response> {
    let mut body = body;
    let mut npy = npy;
    let mut total = 0usize;
    let mut parser = jsonarray::Parser::new(MAX_ELEMENTS);
    let mut buf = Vec::new();
    let mut error = None;
    let read = async {
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else {
                return Err(bad_request("the body could not be read"));
            };
            let Ok(chunk) = frame.into_data() else {
                continue;
            };
            total = total.saturating_add(chunk.len());
            if total > MAX_BODY {
                return Ok(true);
            }
            // An .npy file starts with byte 0x93, which no JSON text does:
            // accepted whichever of the two types it was sent as.
            if total == chunk.len() && chunk.first() == Some(&0x93) {
                npy = true;
            }
            if npy {
                buf.extend_from_slice(&chunk);
            } else if error.is_none() {
                // After an error the rest is read (and dropped) so that the
                // client gets the reason, not a reset.
                if let Err(e) = parser.feed(&chunk) {
                    error = Some(e);
                }
            }
        }
        Ok(false)
    };
    match tokio::time::timeout(BODY_TIMEOUT, read).await {
        Err(_) => {
            return Err((StatusCode::REQUEST_TIMEOUT, "the body took too long\n").into_response())
        }
        Ok(Err(resp)) => return Err(resp),
        Ok(Ok(true)) => {
            linger(body);
            return Err(too_large());
        }
        Ok(Ok(false)) => {}
    }
    if npy {
        return Ok(Parsed::Npy(buf));
    }
    if error.is_none() && parser.is_blank() {
        return Err(bad_request(
            "empty body: send a JSON 2-D list of numbers or a .npy file",
        ));
    }
    let result = match error {
        Some(e) => Err(e),
        None => parser.finish().and_then(|((h, w), values)| {
            check_size(h as u64, w as u64).map(|shape| Array {
                shape,
                values: match values {
                    jsonarray::Flat::F32(v) => Values::F32(v),
                    jsonarray::Flat::F64(v) => Values::F64(v),
                },
            })
        }),
    };
    Ok(Parsed::Json(result))
}

pub(crate) async fn set_array(
    State(live): State<Arc<Live>>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    const TYPES: [&str; 3] = [
        "application/json",
        "application/octet-stream",
        "application/x-npy",
    ];
    let Some(kind) = content_type(&headers, &TYPES, false) else {
        linger(body);
        return unsupported(&TYPES);
    };
    if announces_more_than(&headers, MAX_BODY) {
        linger(body);
        return too_large();
    }
    // One array at a time: wait here (a bounded time), before the body is
    // read.
    let _slot = match crate::live::parse_slot(&live).await {
        Ok(slot) => slot,
        Err(busy) => {
            linger(body);
            return busy;
        }
    };
    // Slow viewers still receiving earlier arrays: refuse before the body
    // is read and parsed.
    if let Some(busy) = live.busy_with_held_frames() {
        linger(body);
        return busy;
    }
    let parsed = match read_body(body, kind != "application/json").await {
        Ok(p) => p,
        Err(resp) => return resp,
    };
    // Read under the parse slot, which /set_mode also holds to change it.
    let wire = *lock(&live.wire);
    let result = tokio::task::spawn_blocking(move || -> Result<(Fixed, Bytes, String), String> {
        let array = match parsed {
            Parsed::Json(array) => array?,
            Parsed::Npy(body) => {
                if body.iter().all(u8::is_ascii_whitespace) {
                    return Err("empty body: send a JSON 2-D list of numbers or a .npy file".to_owned());
                }
                if !body.starts_with(b"\x93NUMPY") {
                    return Err("bad .npy file: no \\x93NUMPY magic (send JSON as application/json)".to_owned());
                }
                parse_npy(&body)?
            }
        };
        let dtype = match q.get("dtype").map(String::as_str) {
            None | Some("uint16") => Dtype::U16,
            Some("uint8") => Dtype::U8,
            Some(other) => return Err(format!("?dtype={other:?}: expected uint8 or uint16")),
        };
        if wire != Wire::Vcbn && q.contains_key("dtype") {
            return Err("?dtype= is the VCBN dtype, but the stream is in imgpack's layout: POST /set_mode sets its dtype and bits".to_owned());
        }
        let (vmin, vmax) = match (query_f64(&q, "vmin")?, query_f64(&q, "vmax")?) {
            (Some(lo), Some(hi)) => (lo, hi),
            (lo, hi) => {
                let (min, max) = array
                    .range()
                    .ok_or("every value is NaN: pass ?vmin= and ?vmax=")?;
                // The default range is the array's own; an infinity in it
                // leaves no finite default, which the user did not pass.
                if lo.is_none() && !min.is_finite() {
                    return Err(format!(
                        "the array's smallest value is {min}, so it has no default vmin: pass ?vmin= (finite)"
                    ));
                }
                if hi.is_none() && !max.is_finite() {
                    return Err(format!(
                        "the array's largest value is {max}, so it has no default vmax: pass ?vmax= (finite)"
                    ));
                }
                (lo.unwrap_or(min), hi.unwrap_or(max))
            }
        };
        let fixed = Fixed {
            array: array.compact(),
            vmin,
            vmax,
            vcbn_dtype: dtype,
        };
        let bytes = fixed.encode(&wire)?;
        let json = crate::mode::header_json(&bytes)?;
        Ok((fixed, bytes, json))
    })
    .await;
    match result {
        Ok(Ok((fixed, bytes, header_json))) => {
            let mode = {
                let mut mode = lock(&live.mode);
                if let Some(busy) = live.publish_array(&mode, bytes) {
                    return busy;
                }
                *mode = Mode::Fixed;
                *lock(&live.fixed) = Some(Arc::new(fixed));
                drop(mode);
                live.state_json()
            };
            json(
                StatusCode::OK,
                format!("{{\"state\":{mode},\"header\":{header_json}}}"),
            )
        }
        Ok(Err(reason)) => bad_request(reason),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A version 1.0 `.npy` file of `descr` and `shape` holding `data`.
    fn npy(descr: &str, shape: &str, data: &[u8]) -> Vec<u8> {
        let mut dict =
            format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
        while (10 + dict.len() + 1) % 64 != 0 {
            dict.push(' ');
        }
        dict.push('\n');
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
        out.extend_from_slice(dict.as_bytes());
        out.extend_from_slice(data);
        out
    }

    /// A unicode array is an unsupported dtype, not a file with extra bytes
    /// (its items are 4 bytes a character).
    #[test]
    fn unicode_arrays_are_an_unsupported_dtype() {
        let err = |bytes: Vec<u8>| parse_npy(&bytes).err().expect("refused");
        let e = err(npy("<U2", "(1, 2)", &[0u8; 16]));
        assert!(e.starts_with("unsupported .npy dtype '<U2'"), "{e}");
        // Extra bytes after a supported array are still refused.
        let e = err(npy("<u1", "(1, 2)", &[1, 2, 3]));
        assert_eq!(
            e,
            "bad .npy file: 1 bytes after the 2 bytes of data its header announces"
        );
        assert!(parse_npy(&npy("<u1", "(1, 2)", &[1, 2])).is_ok());
    }
}
