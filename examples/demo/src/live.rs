//! The live stream: an animated pattern at ~30 frames per second, or an array
//! posted to `/set_array`, sent as VCBN envelopes over `/ws`.
//!
//! One producer task encodes each frame once (with `framewire::vcbn::encode`)
//! and publishes it on a `watch` channel; every WebSocket connection sends the
//! latest frame whenever it changes (a slow client skips frames instead of
//! queueing them) and answers the text message `resend` with the current
//! frame. `POST /set_array` switches to a fixed array, shown (and resent)
//! until `POST /animate`.
//!
//! `GET /stream?n=N` is a plain HTTP body of N frames back to back (VCBN
//! frames of the animation, with a SAC frame every fifth), sent in small
//! pieces over about a second: input for `framewire.js`'s `readFrames`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use framewire::quant::{nan_min_max_f64, Samples};
use framewire::vcbn::{self, Dtype, Params};
use tokio::sync::watch;

/// Rows and columns of the animated pattern.
pub const ANIM_SHAPE: [usize; 2] = [144, 256];
/// Time between animation frames (~30 per second).
const FRAME_INTERVAL: Duration = Duration::from_millis(33);
/// The largest request body `/set_array` reads.
pub const MAX_BODY: usize = 32 * 1024 * 1024;
/// The most values an array may have (4096 x 4096).
pub const MAX_ELEMENTS: u64 = 4096 * 4096;

/// One encoded frame.
#[derive(Clone)]
pub struct Frame {
    /// Counts every frame published since start.
    pub seq: u64,
    /// The VCBN envelope.
    pub bytes: Bytes,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Animated,
    Fixed,
}

/// Shared state of the live stream.
pub struct Live {
    frames: watch::Sender<Frame>,
    /// Held while a frame is published, so a posted array is never
    /// overwritten by an animation frame encoded just before it.
    mode: Mutex<Mode>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Encodes `samples` (`shape`, C order) as one VCBN envelope.
fn encode(
    samples: Samples<'_>,
    shape: [usize; 2],
    params: &Params,
) -> Result<Bytes, framewire::Error> {
    vcbn::encode_to_vec(samples, shape.into(), params).map(Bytes::from)
}

/// The animated pattern at time `t` (seconds): two moving point sources
/// interfering, a drifting Gaussian blob, on a gentle diagonal gradient.
/// Values stay within 0..1.
pub fn pattern(t: f32, out: &mut Vec<f32>) {
    let [h, w] = ANIM_SHAPE;
    out.clear();
    let (hf, wf) = (h as f32, w as f32);
    let s1 = (
        wf * (0.30 + 0.10 * (0.7 * t).sin()),
        hf * (0.45 + 0.15 * (0.9 * t).cos()),
    );
    let s2 = (
        wf * (0.70 + 0.10 * (0.5 * t).cos()),
        hf * (0.55 + 0.15 * (1.1 * t).sin()),
    );
    let blob = (
        wf * (0.5 + 0.35 * (0.4 * t).sin()),
        hf * (0.5 + 0.3 * (0.6 * t).cos()),
    );
    let k = 0.22f32;
    for y in 0..h {
        for x in 0..w {
            let (xf, yf) = (x as f32, y as f32);
            let r1 = ((xf - s1.0).powi(2) + (yf - s1.1).powi(2)).sqrt();
            let r2 = ((xf - s2.0).powi(2) + (yf - s2.1).powi(2)).sqrt();
            let waves = 0.5 * ((k * r1 - 4.0 * t).sin() + (k * r2 - 4.0 * t).sin()); // -1..1
            let d2 = (xf - blob.0).powi(2) + (yf - blob.1).powi(2);
            let gauss = (-d2 / (2.0 * 18.0f32.powi(2))).exp();
            let gradient = 0.5 * (xf / wf) + 0.5 * (yf / hf); // 0..1
            let v = 0.15 + 0.2 * gradient + 0.2 * waves * (1.0 - gauss) + 0.45 * gauss;
            out.push(v.clamp(0.0, 1.0));
        }
    }
}

impl Live {
    /// Starts the animation task.
    pub fn start() -> Arc<Live> {
        let mut buf = Vec::new();
        pattern(0.0, &mut buf);
        let first = Frame {
            seq: 0,
            bytes: encode(Samples::F32(&buf), ANIM_SHAPE, &Self::anim_params()).unwrap_or_default(),
        };
        let (frames, _) = watch::channel(first);
        let live = Arc::new(Live {
            frames,
            mode: Mutex::new(Mode::Animated),
        });
        tokio::spawn(animate(live.clone()));
        live
    }

    fn anim_params() -> Params {
        Params::new(Dtype::U16, 0.0, 1.0)
    }

    /// Publishes `bytes` as the next frame. Call with the mode lock held.
    fn publish(&self, _mode: &MutexGuard<'_, Mode>, bytes: Bytes) {
        self.frames.send_modify(|f| {
            f.seq = f.seq.wrapping_add(1);
            f.bytes = bytes;
        });
    }

    fn state_json(&self) -> String {
        let mode = match *lock(&self.mode) {
            Mode::Animated => "animated",
            Mode::Fixed => "fixed",
        };
        let seq = self.frames.borrow().seq;
        format!("{{\"mode\":\"{mode}\",\"seq\":{seq}}}")
    }
}

async fn animate(live: Arc<Live>) {
    let mut tick = tokio::time::interval(FRAME_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let start = Instant::now();
    let params = Live::anim_params();
    let mut buf = Vec::with_capacity(ANIM_SHAPE[0] * ANIM_SHAPE[1]);
    loop {
        tick.tick().await;
        // No viewer: nothing to draw.
        if live.frames.receiver_count() == 0 {
            continue;
        }
        let mode = lock(&live.mode);
        if *mode != Mode::Animated {
            continue;
        }
        pattern(start.elapsed().as_secs_f32(), &mut buf);
        match encode(Samples::F32(&buf), ANIM_SHAPE, &params) {
            Ok(bytes) => live.publish(&mode, bytes),
            Err(e) => eprintln!("demo: animation frame: {e}"),
        }
    }
}

/// The routes of the live stream.
pub fn routes(live: Arc<Live>) -> Router {
    Router::new()
        .route("/ws", get(ws))
        .route("/set_array", post(set_array))
        .route("/animate", post(resume))
        .route("/stream", get(stream))
        .route(
            "/api/state",
            get(|State(live): State<Arc<Live>>| async move { json(StatusCode::OK, live.state_json()) }),
        )
        .with_state(live)
}

fn json(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// A 400 with a one-line reason.
fn bad_request(reason: impl std::fmt::Display) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{reason}\n"),
    )
        .into_response()
}

async fn ws(State(live): State<Arc<Live>>, upgrade: WebSocketUpgrade) -> Response {
    upgrade.on_upgrade(move |socket| connection(socket, live))
}

async fn connection(mut socket: WebSocket, live: Arc<Live>) {
    let mut rx = live.frames.subscribe();
    let first = rx.borrow_and_update().bytes.clone();
    if socket.send(Message::Binary(first)).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            changed = rx.changed() => {
                if changed.is_err() {
                    break;
                }
                let bytes = rx.borrow_and_update().bytes.clone();
                if socket.send(Message::Binary(bytes)).await.is_err() {
                    break;
                }
            }
            msg = socket.recv() => match msg {
                Some(Ok(Message::Text(text))) => {
                    if text.trim() == "resend" {
                        let bytes = rx.borrow_and_update().bytes.clone();
                        if socket.send(Message::Binary(bytes)).await.is_err() {
                            break;
                        }
                    }
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            }
        }
    }
}

async fn resume(State(live): State<Arc<Live>>) -> Response {
    *lock(&live.mode) = Mode::Animated;
    json(StatusCode::OK, live.state_json())
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

/// A JSON 2-D list of numbers (`null` stands for NaN, as NumPy reads `None`).
fn parse_json(body: &[u8]) -> Result<Array, String> {
    let rows: Vec<Vec<Option<f64>>> = serde_json::from_slice(body)
        .map_err(|e| format!("body is not a JSON 2-D list of numbers: {e}"))?;
    let h = rows.len();
    let w = rows.first().map_or(0, Vec::len);
    if let Some((i, row)) = rows.iter().enumerate().find(|(_, r)| r.len() != w) {
        return Err(format!(
            "ragged rows: row {i} has {} values but row 0 has {w}",
            row.len()
        ));
    }
    let shape = check_size(h as u64, w as u64)?;
    let values = rows
        .into_iter()
        .flatten()
        .map(|v| v.unwrap_or(f64::NAN))
        .collect();
    Ok(Array {
        shape,
        values: Values::F64(values),
    })
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

async fn set_array(
    State(live): State<Arc<Live>>,
    Query(q): Query<HashMap<String, String>>,
    body: Body,
) -> Response {
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return bad_request(format_args!(
                "body too large or unreadable (the limit is {} MiB)",
                MAX_BODY / (1024 * 1024)
            ))
        }
    };
    let result = tokio::task::spawn_blocking(move || -> Result<(Bytes, String), String> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err("empty body: send a JSON 2-D list of numbers or a .npy file".to_owned());
        }
        let array = if body.starts_with(b"\x93NUMPY") {
            parse_npy(&body)?
        } else {
            parse_json(&body)?
        };
        let dtype = match q.get("dtype").map(String::as_str) {
            None | Some("uint16") => Dtype::U16,
            Some("uint8") => Dtype::U8,
            Some(other) => return Err(format!("?dtype={other:?}: expected uint8 or uint16")),
        };
        let (vmin, vmax) = match (query_f64(&q, "vmin")?, query_f64(&q, "vmax")?) {
            (Some(lo), Some(hi)) => (lo, hi),
            (lo, hi) => {
                let (min, max) = array
                    .range()
                    .ok_or("every value is NaN: pass ?vmin= and ?vmax=")?;
                (lo.unwrap_or(min), hi.unwrap_or(max))
            }
        };
        let bytes = encode(
            array.samples(),
            array.shape,
            &Params::new(dtype, vmin, vmax),
        )
        .map_err(|e| e.to_string())?;
        let json = vcbn::decode(&bytes)
            .map(|f| f.json().to_owned())
            .map_err(|e| e.to_string())?;
        Ok((bytes, json))
    })
    .await;
    match result {
        Ok(Ok((bytes, header_json))) => {
            let mode = {
                let mut mode = lock(&live.mode);
                *mode = Mode::Fixed;
                live.publish(&mode, bytes);
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

/// The frames `/stream?n=N` sends: animation frames, and every fifth a SAC
/// frame (the 2x3 sample of docs/FORMATS.md).
fn stream_frames(n: usize) -> Vec<Bytes> {
    let params = Live::anim_params();
    let mut buf = Vec::new();
    (0..n)
        .filter_map(|i| {
            if i % 5 == 4 {
                let (a, b) = ([0i16, 1, -1, 2, -2, 3], [5i16, -5, 4, -4, 0, 1]);
                let out = framewire::sac::encode_to_vec(&a, &b, framewire::Shape::new(2, 3));
                out.ok().map(Bytes::from)
            } else {
                pattern(i as f32 / 30.0, &mut buf);
                encode(Samples::F32(&buf), ANIM_SHAPE, &params).ok()
            }
        })
        .collect()
}

async fn stream(Query(q): Query<HashMap<String, String>>) -> Response {
    let n = match q.get("n").map(|s| s.parse::<usize>()) {
        None => 30,
        Some(Ok(n)) if (1..=300).contains(&n) => n,
        Some(_) => return bad_request("?n= must be an integer from 1 to 300"),
    };
    let frames = match tokio::task::spawn_blocking(move || stream_frames(n)).await {
        Ok(f) => f,
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    };
    // Pieces of 4000 bytes, so frames arrive split across reads.
    let pieces: Vec<Bytes> = frames
        .iter()
        .flat_map(|f| {
            (0..f.len())
                .step_by(4000)
                .map(move |i| f.slice(i..(i + 4000).min(f.len())))
        })
        .collect();
    let pause = Duration::from_millis(1000 / pieces.len().max(1) as u64);
    let body = futures_util::stream::unfold(pieces.into_iter(), move |mut it| async move {
        let piece = it.next()?;
        tokio::time::sleep(pause).await;
        Some((Ok::<_, std::convert::Infallible>(piece), it))
    });
    (
        [(header::CONTENT_TYPE, "application/octet-stream")],
        Body::from_stream(body),
    )
        .into_response()
}
