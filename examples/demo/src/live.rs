//! The live stream: an animated pattern at ~30 frames per second, or an array
//! posted to `/set_array`, sent over `/ws` as VCBN envelopes, or in
//! imgpack's latest layout after `POST /set_mode` (`mode.rs`).
//!
//! One producer task encodes each frame once (with `framewire::vcbn::encode`
//! or `framewire::imgpack::encode_to_vec`) and publishes it on a `watch`
//! channel; every WebSocket connection sends the latest frame whenever it
//! changes (a slow client skips frames instead of queueing them) and answers
//! any text message (this page sends `resend`, imgpack's sends `send`) with
//! the current frame. `POST /set_array` switches to a fixed array, shown
//! (and resent) until `POST /animate`.
//!
//! `GET /stream?n=N` is a plain HTTP body of N frames back to back (VCBN
//! frames of the animation, whatever the WebSocket's wire format, with a SAC frame every fifth), sent in small
//! pieces over about a second: input for `framewire.js`'s `readFrames`. Each
//! frame is made when its turn comes, so a stream holds one frame at a time.
//!
//! What a client can make the server hold is bounded: WebSocket messages
//! and frames of at most [`MAX_WS_MESSAGE`] bytes, at most [`MAX_SOCKETS`]
//! WebSocket connections (each pinged every [`PING_INTERVAL`], and closed
//! when its peer does not answer), each sending frames in
//! fragments of at most 64 KiB (`websocket.rs`), so that a frame is held
//! once for all its viewers; frames no longer current that slow viewers are
//! still being sent, at most [`MAX_HELD_FRAMES`] bytes of them (an array
//! that would leave more is refused with a 503); request bodies of at most [`MAX_BODY`] bytes
//! (413 beyond) read within [`BODY_TIMEOUT`], and [`PARSE_SLOTS`] arrays
//! parsed at a time, each straight into one flat buffer (`jsonarray.rs`);
//! the array on show is kept for `/set_mode` to re-encode (at most
//! [`MAX_ELEMENTS`] values, 4 bytes each when they are exact f32s, else 8),
//! until the next array or `POST /animate`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use framewire::quant::Samples;
use framewire::vcbn::{self, Dtype, Params};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{watch, Semaphore};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use crate::array::Fixed;
use crate::mode::Wire;
use crate::websocket::{self, Socket};

/// Rows and columns of the animated pattern.
pub const ANIM_SHAPE: [usize; 2] = [144, 256];
/// Time between animation frames (~30 per second).
const FRAME_INTERVAL: Duration = Duration::from_millis(33);
/// The largest request body `/set_array` reads.
pub const MAX_BODY: usize = 32 * 1024 * 1024;
/// The most values an array may have (4096 x 4096).
pub const MAX_ELEMENTS: u64 = 4096 * 4096;
/// The largest WebSocket message (and frame) a client may send: the server
/// reads only short text messages (each asks for the current frame).
pub const MAX_WS_MESSAGE: usize = 1024;
/// The most WebSocket connections at once (beyond: 503).
pub const MAX_SOCKETS: usize = 128;
/// How often each WebSocket is pinged, with a random payload. A peer that
/// has not echoed it a whole interval later is gone (a closed laptop, a
/// dropped link: no FIN ever comes) and its connection is closed with 1001,
/// so that it cannot hold one of the [`MAX_SOCKETS`] slots while no frame
/// is being sent. Only the echo counts (not other pongs, nor text), except
/// that a frame pushed to the peer meanwhile counts too: a live but slow
/// peer may read the ping late, behind frames, and a gone one is found by
/// the send timeout. Browsers answer pings by themselves.
pub const PING_INTERVAL: Duration = Duration::from_secs(30);
/// The most bytes that frames no longer current may hold while viewers are
/// still being sent them (a slow viewer keeps the frame it is being sent
/// until the server has written all of it). `/set_array` and `/set_mode`
/// answer 503 (with `Retry-After`) to an array whose frame would leave
/// more, so that viewers that read slowly, each stuck on a different
/// array, cannot make the server hold an array per viewer. Animation frames
/// count too but are never refused (at most 128 of 72 KiB, or of 295 KiB
/// in imgpack's `float64` layout): a limit of a few tens of MiB could
/// refuse arrays while slow viewers watch the animation.
/// `--max-held-frames-mib`.
pub const MAX_HELD_FRAMES: usize = 256 << 20;
/// How many `/set_array` bodies are parsed at once; the others wait their
/// turn before their body is read, for at most [`SLOT_WAIT`].
pub const PARSE_SLOTS: usize = 1;
/// How long a `/set_array` or `/set_mode` waits for a parse slot (beyond:
/// 503 with `Retry-After`), so that slow uploads ahead of it (each bounded
/// by [`BODY_TIMEOUT`]) cannot queue it for ever.
pub const SLOT_WAIT: Duration = Duration::from_secs(5);
/// The time a `/set_array` body may take to arrive (beyond: 408).
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// A parse slot, waited for at most [`SLOT_WAIT`]: `Err` is the 503 to send.
pub async fn parse_slot(live: &Live) -> Result<tokio::sync::OwnedSemaphorePermit, Response> {
    match tokio::time::timeout(SLOT_WAIT, live.parsing.clone().acquire_owned()).await {
        Ok(Ok(slot)) => Ok(slot),
        Ok(Err(_)) => Err((StatusCode::SERVICE_UNAVAILABLE, "shutting down\n").into_response()),
        Err(_) => Err((
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "1")],
            "busy: another array is being read or parsed; try again\n",
        )
            .into_response()),
    }
}

/// The most frames `/stream?n=` sends.
pub const MAX_STREAM_FRAMES: usize = 300;

/// One encoded frame.
#[derive(Clone)]
pub struct Frame {
    /// Counts every frame published since start.
    pub seq: u64,
    /// The VCBN envelope.
    pub bytes: Bytes,
    /// One strong count for the channel's copy and one for each connection
    /// sending the frame: once the frame is superseded, whether (and by how
    /// many) it is still held.
    senders: Arc<()>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Animated,
    Fixed,
}

/// Shared state of the live stream.
pub struct Live {
    frames: watch::Sender<Frame>,
    /// Held while a frame is published, so a posted array is never
    /// overwritten by an animation frame encoded just before it.
    pub(crate) mode: Mutex<Mode>,
    /// The wire format (`/set_mode`). Changed with `mode` and a parse slot
    /// held; read under `mode` for each frame.
    pub(crate) wire: Mutex<Wire>,
    /// The array shown in [`Mode::Fixed`], for re-encoding.
    pub(crate) fixed: Mutex<Option<Arc<Fixed>>>,
    sockets: Arc<Semaphore>,
    pub(crate) parsing: Arc<Semaphore>,
    /// [`PING_INTERVAL`], or `--ping-interval`.
    ping_interval: Duration,
    /// Superseded frames, by their `senders` count and their size; those
    /// still held are counted against `max_held`.
    superseded: Mutex<Vec<(Weak<()>, usize)>>,
    /// [`MAX_HELD_FRAMES`], or `--max-held-frames-mib`.
    max_held: usize,
    /// Set once by [`Live::close_all`]: every WebSocket sends Close 1001.
    closing: watch::Sender<bool>,
    /// The animation's time origin.
    started: Instant,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Encodes `samples` (`shape`, C order) as one VCBN envelope.
pub(crate) fn encode(
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
    /// Starts the animation task; WebSockets are pinged every
    /// `ping_interval` (see [`PING_INTERVAL`]), and new arrays are refused
    /// while superseded frames of more than `max_held` bytes are being sent
    /// (see [`MAX_HELD_FRAMES`]).
    pub fn start(ping_interval: Duration, max_held: usize) -> Arc<Live> {
        let mut buf = Vec::new();
        pattern(0.0, &mut buf);
        let first = Frame {
            seq: 0,
            bytes: encode(Samples::F32(&buf), ANIM_SHAPE, &Self::anim_params()).unwrap_or_default(),
            senders: Arc::new(()),
        };
        let (frames, _) = watch::channel(first);
        let live = Arc::new(Live {
            frames,
            mode: Mutex::new(Mode::Animated),
            wire: Mutex::new(Wire::Vcbn),
            fixed: Mutex::new(None),
            sockets: Arc::new(Semaphore::new(MAX_SOCKETS)),
            parsing: Arc::new(Semaphore::new(PARSE_SLOTS)),
            ping_interval,
            superseded: Mutex::new(Vec::new()),
            max_held,
            closing: watch::channel(false).0,
            started: Instant::now(),
        });
        tokio::spawn(animate(live.clone()));
        live
    }

    /// Closes every WebSocket with Close 1001 ("going away", RFC 6455
    /// §7.4.1), one being sent a frame between two of its fragments, and
    /// waits at most `wait` for them to end (a peer that reads nothing
    /// gets no Close: the process exits under it). New upgrades get 503.
    pub async fn close_all(&self, wait: Duration) {
        self.closing.send_replace(true);
        let all = self.sockets.acquire_many(MAX_SOCKETS as u32);
        let _ = tokio::time::timeout(wait, all).await;
    }

    /// Publishes the animation's current frame in the current wire format.
    /// Call with the mode lock held, in [`Mode::Animated`].
    pub(crate) fn publish_animation(&self, mode: &MutexGuard<'_, Mode>, buf: &mut Vec<f32>) {
        let wire = *lock(&self.wire);
        pattern(self.started.elapsed().as_secs_f32(), buf);
        match wire.encode(Samples::F32(buf), ANIM_SHAPE, 0.0, 1.0, Dtype::U16) {
            Ok(bytes) => self.publish(mode, bytes),
            Err(e) => eprintln!("demo: animation frame: {e}"),
        }
    }

    fn anim_params() -> Params {
        Params::new(Dtype::U16, 0.0, 1.0)
    }

    /// Publishes `bytes` as the next frame. Call with the mode lock held.
    pub(crate) fn publish(&self, mode: &MutexGuard<'_, Mode>, bytes: Bytes) {
        // No limit: never refused.
        let _ = self.publish_within(mode, bytes, usize::MAX);
    }

    /// [`Live::publish`] for a posted array, or the 503 that refuses it
    /// (nothing published) when superseded frames still being sent would
    /// then hold more than `max_held` bytes.
    #[must_use = "a refused array must be answered with the 503"]
    pub(crate) fn publish_array(
        &self,
        mode: &MutexGuard<'_, Mode>,
        bytes: Bytes,
    ) -> Option<Response> {
        self.publish_within(mode, bytes, self.max_held)
            .err()
            .map(|held| self.busy(held))
    }

    /// Publishes `bytes` unless superseded frames still being sent would
    /// then hold more than `limit` bytes (`Err` with that many). Decided
    /// under the channel's write lock, while no connection can take the
    /// current frame, so the limit holds exactly.
    fn publish_within(
        &self,
        _mode: &MutexGuard<'_, Mode>,
        bytes: Bytes,
        limit: usize,
    ) -> Result<(), usize> {
        let mut old = None;
        let mut refused = None;
        self.frames.send_if_modified(|f| {
            let held = self.held_once_superseded(f);
            if held > limit {
                refused = Some(held);
                return false;
            }
            f.seq = f.seq.wrapping_add(1);
            let len = f.bytes.len();
            f.bytes = bytes;
            old = Some((std::mem::replace(&mut f.senders, Arc::new(())), len));
            true
        });
        if let Some(held) = refused {
            return Err(held);
        }
        if let Some((senders, len)) = old {
            let weak = Arc::downgrade(&senders);
            drop(senders);
            let mut superseded = lock(&self.superseded);
            superseded.retain(|(w, _)| w.strong_count() > 0);
            if weak.strong_count() > 0 {
                superseded.push((weak, len));
            }
        }
        Ok(())
    }

    /// The bytes of superseded frames that connections are still sending.
    fn held_bytes(&self) -> usize {
        let mut superseded = lock(&self.superseded);
        superseded.retain(|(w, _)| w.strong_count() > 0);
        superseded.iter().map(|(_, len)| len).sum()
    }

    /// What superseded frames still being sent would hold once `current`
    /// is superseded too: it counts when a connection is sending it.
    fn held_once_superseded(&self, current: &Frame) -> usize {
        let sending_current = Arc::strong_count(&current.senders) > 1;
        self.held_bytes()
            + if sending_current {
                current.bytes.len()
            } else {
                0
            }
    }

    /// A 503 when a new array would be refused now (see
    /// [`Live::publish_array`]), else `None`: checked before a body is read,
    /// to spare the parse.
    pub(crate) fn busy_with_held_frames(&self) -> Option<Response> {
        let held = self.held_once_superseded(&self.frames.borrow());
        (held > self.max_held).then(|| self.busy(held))
    }

    fn busy(&self, held: usize) -> Response {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "5")],
            format!(
                "busy: slow viewers are still being sent {} MiB of frames that a new one would supersede (the limit is {} MiB); try again\n",
                held.div_ceil(1 << 20),
                self.max_held >> 20
            ),
        )
            .into_response()
    }

    pub(crate) fn state_json(&self) -> String {
        let mode = match *lock(&self.mode) {
            Mode::Animated => "animated",
            Mode::Fixed => "fixed",
        };
        let seq = self.frames.borrow().seq;
        let wire = lock(&self.wire).state_keys();
        format!("{{\"mode\":\"{mode}\",\"seq\":{seq},{wire}}}")
    }
}

async fn animate(live: Arc<Live>) {
    let mut tick = tokio::time::interval(FRAME_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut buf = Vec::with_capacity(ANIM_SHAPE[0] * ANIM_SHAPE[1]);
    loop {
        tick.tick().await;
        // No viewer: nothing to draw (the mode's changes publish a frame,
        // so that a new viewer's first one is in the current format).
        if live.frames.receiver_count() == 0 {
            continue;
        }
        let mode = lock(&live.mode);
        if *mode != Mode::Animated {
            continue;
        }
        live.publish_animation(&mode, &mut buf);
    }
}

/// The routes of the live stream.
pub fn routes(live: Arc<Live>) -> Router {
    Router::new()
        .route("/ws", get(ws))
        .route("/set_array", post(crate::array::set_array))
        .route("/set_mode", post(crate::mode::set_mode))
        .route("/animate", post(resume))
        .route("/stream", get(stream))
        .route(
            "/api/state",
            get(|State(live): State<Arc<Live>>| async move { json(StatusCode::OK, live.state_json()) }),
        )
        .with_state(live)
}

pub(crate) fn json(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// A 400 with a one-line reason.
pub(crate) fn bad_request(reason: impl std::fmt::Display) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{reason}\n"),
    )
        .into_response()
}

async fn ws(State(live): State<Arc<Live>>, req: Request) -> Response {
    // A slot is taken only for a valid upgrade (an invalid one gets its 4xx).
    if *live.closing.borrow() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is shutting down\n",
        )
            .into_response();
    }
    websocket::upgrade(req, websocket::config(MAX_WS_MESSAGE), move || {
        let permit = live.sockets.clone().try_acquire_owned().ok()?;
        Some(move |socket| async move {
            connection(socket, live).await;
            drop(permit);
        })
    })
}

/// What the peer has sent, as far as a connection acts on it. Each
/// message is taken in as it is read (between the fragments of a frame
/// too), so what a peer can make the connection hold is this, whatever it
/// sends.
#[derive(Default)]
struct Inbox {
    /// A text message came: the peer asks for the current frame. Any
    /// number of requests that come while a frame is being sent get one
    /// frame after it.
    asked: bool,
    /// The payload of the ping sent and not yet answered. Random, so that
    /// only a peer that reads the ping can answer it: unsolicited pongs (or
    /// text) from a peer that reads nothing do not keep its slot.
    ping: Option<[u8; 8]>,
    /// The Close, error or end of stream that ended the conversation.
    end: Option<Option<Result<Message, WsError>>>,
}

impl Inbox {
    /// Takes in what `socket.next()` gave; false once the conversation has
    /// ended (nothing more is sent then, not even the rest of a frame).
    fn take(&mut self, item: Option<Result<Message, WsError>>) -> bool {
        if self.end.is_some() {
            return false;
        }
        match item {
            Some(Ok(Message::Text(_))) => self.asked = true,
            Some(Ok(Message::Pong(payload))) => {
                if self.ping.is_some_and(|nonce| payload[..] == nonce[..]) {
                    self.ping = None;
                }
            }
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => {
                self.end = Some(item);
                return false;
            }
            // Pings are answered by tungstenite; binary messages are not
            // asked for and are dropped.
            Some(Ok(_)) => {}
        }
        true
    }
}

/// Sends `frame`, holding its `senders` count until it is all written;
/// what the peer sends meanwhile goes to `inbox`. A failed write ends the
/// conversation too (`inbox.end`); the server's shutdown (`closing`) stops
/// the frame between fragments.
async fn send(
    socket: &mut Socket,
    frame: Frame,
    inbox: &mut Inbox,
    closing: &watch::Receiver<bool>,
) {
    let Frame { bytes, senders, .. } = frame;
    let go_on = || !*closing.borrow();
    let sent = websocket::send_frame(socket, bytes, |item| inbox.take(item), go_on).await;
    drop(senders);
    if sent.is_err() && inbox.end.is_none() {
        inbox.end = Some(None);
    }
}

/// The Close code for an error in what the peer sent: 1009 for a message
/// over the limit, 1007 for text that is not UTF-8, 1002 for a frame that
/// breaks the protocol; `None` for a connection that failed (nothing more
/// can be said on it).
fn close_code(e: &WsError) -> Option<CloseCode> {
    match e {
        WsError::Capacity(_) => Some(CloseCode::Size),
        WsError::Utf8(_) => Some(CloseCode::Invalid),
        WsError::Protocol(_) => Some(CloseCode::Protocol),
        _ => None,
    }
}

/// Ends a connection whose peer sent `end` (see [`Inbox::end`]): the Close
/// that answers a Close, or one that names the peer's error.
async fn finish(socket: &mut Socket, end: Option<Result<Message, WsError>>) {
    match end {
        // tungstenite has queued the Close that answers it (RFC 6455
        // §5.5.1): write it before the connection is dropped.
        Some(Ok(_)) => {
            let _ = socket.flush().await;
        }
        Some(Err(e)) => {
            if let Some(code) = close_code(&e) {
                // A close reason has at most 123 bytes.
                let mut reason = e.to_string();
                while reason.len() > 123 {
                    reason.pop();
                }
                close(socket, code, &reason).await;
            }
        }
        None => {}
    }
}

/// How long a connection waits for the peer's answer to its Close.
const CLOSE_WAIT: Duration = Duration::from_secs(1);

/// Sends a Close and waits (at most [`CLOSE_WAIT`]) for the peer's.
async fn close(socket: &mut Socket, code: CloseCode, reason: &str) {
    if socket.send(close_frame(code, reason)).await.is_ok() {
        websocket::linger(socket, CLOSE_WAIT).await;
    }
}

fn close_frame(code: CloseCode, reason: &str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
}

async fn connection(mut socket: Socket, live: Arc<Live>) {
    let mut rx = live.frames.subscribe();
    let mut closing = live.closing.subscribe();
    // Opened while the server shuts down: its close comes at once.
    if *closing.borrow_and_update() {
        closing.mark_changed();
    }
    let mut inbox = Inbox::default();
    let mut ping = tokio::time::interval(live.ping_interval);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first tick one interval from now, not at once.
    ping.reset();
    // The first frame at once.
    inbox.asked = true;
    loop {
        if let Some(end) = inbox.end.take() {
            finish(&mut socket, end).await;
            return;
        }
        if *closing.borrow() {
            close(&mut socket, CloseCode::Away, "the server is shutting down").await;
            return;
        }
        if std::mem::take(&mut inbox.asked) {
            let frame = rx.borrow_and_update().clone();
            send(&mut socket, frame, &mut inbox, &closing).await;
            continue;
        }
        tokio::select! {
            _ = ping.tick() => {
                if inbox.ping.is_some() {
                    // The answer may be waiting in the socket, behind
                    // other messages.
                    websocket::read_ahead(&mut socket, &mut |item| inbox.take(item));
                }
                if inbox.end.is_some() {
                    continue;
                }
                if inbox.ping.is_some() {
                    // No answer for a whole interval after a ping: gone.
                    close(&mut socket, CloseCode::Away, "no answer to a ping").await;
                    return;
                }
                let nonce: [u8; 8] = rand::random();
                if socket.send(Message::Ping(Bytes::copy_from_slice(&nonce))).await.is_err() {
                    return;
                }
                inbox.ping = Some(nonce);
            }
            changed = rx.changed() => {
                if changed.is_err() {
                    return;
                }
                let frame = rx.borrow_and_update().clone();
                send(&mut socket, frame, &mut inbox, &closing).await;
                if inbox.end.is_none() {
                    // While frames are pushed, the send timeout finds a
                    // peer that is gone (its writes stop making progress);
                    // a ping may be queued behind them, read late by a slow
                    // but live peer.
                    inbox.ping = None;
                }
            }
            // Handled at the top of the loop.
            _ = closing.changed() => {}
            item = socket.next() => {
                inbox.take(item);
            }
        }
    }
}

/// The request's media type if it is one of `allowed` (or absent, when
/// `none_ok`); `None` calls for a 415.
pub(crate) fn content_type(headers: &HeaderMap, allowed: &[&str], none_ok: bool) -> Option<String> {
    let Some(v) = headers.get(header::CONTENT_TYPE) else {
        return none_ok.then(String::new);
    };
    let essence = v
        .to_str()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    allowed.contains(&essence.as_str()).then_some(essence)
}

pub(crate) fn unsupported(allowed: &[&str]) -> Response {
    (
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("send Content-Type: {}\n", allowed.join(" or ")),
    )
        .into_response()
}

async fn resume(State(live): State<Arc<Live>>, headers: HeaderMap, body: Body) -> Response {
    // No body is used (and any is drained): none, or JSON (never a form or
    // text/plain, which another site's page could send without asking).
    crate::server::linger(body);
    if content_type(&headers, &["application/json"], true).is_none() {
        return unsupported(&["application/json"]);
    }
    {
        let mut mode = lock(&live.mode);
        *mode = Mode::Animated;
        *lock(&live.fixed) = None;
        // The posted array's frame is no longer current, even for a viewer
        // that connects before the next animation tick.
        live.publish_animation(&mode, &mut Vec::new());
    }
    json(StatusCode::OK, live.state_json())
}

/// Frame `i` of `/stream`: an animation frame, and every fifth a SAC
/// frame (the 2x3 sample of docs/FORMATS.md).
fn stream_frame(i: usize, buf: &mut Vec<f32>) -> Option<Bytes> {
    if i % 5 == 4 {
        let (a, b) = ([0i16, 1, -1, 2, -2, 3], [5i16, -5, 4, -4, 0, 1]);
        let out = framewire::sac::encode_to_vec(&a, &b, framewire::Shape::new(2, 3));
        out.ok().map(Bytes::from)
    } else {
        pattern(i as f32 / 30.0, buf);
        encode(Samples::F32(buf), ANIM_SHAPE, &Live::anim_params()).ok()
    }
}

/// The size of the pieces `/stream` sends, so frames arrive split across
/// reads.
const PIECE: usize = 4000;

async fn stream(Query(q): Query<HashMap<String, String>>) -> Response {
    let n = match q.get("n").map(|s| s.parse::<usize>()) {
        None => 30,
        Some(Ok(n)) if (1..=MAX_STREAM_FRAMES).contains(&n) => n,
        Some(_) => {
            return bad_request(format_args!(
                "?n= must be an integer from 1 to {MAX_STREAM_FRAMES}"
            ))
        }
    };
    // Frame i is due at start + i/n seconds; it is made when due and sent
    // in pieces, one frame held at a time.
    let start = tokio::time::Instant::now();
    let per_frame = Duration::from_secs(1) / n as u32;
    struct S {
        i: usize,
        frame: Bytes,
        buf: Vec<f32>,
    }
    let state = S {
        i: 0,
        frame: Bytes::new(),
        buf: Vec::new(),
    };
    let body = futures_util::stream::unfold(state, move |mut s| async move {
        while s.frame.is_empty() {
            if s.i >= n {
                return None;
            }
            tokio::time::sleep_until(start + per_frame * s.i as u32).await;
            s.frame = stream_frame(s.i, &mut s.buf).unwrap_or_default();
            s.i += 1;
        }
        let piece = s.frame.split_to(PIECE.min(s.frame.len()));
        Some((Ok::<_, std::convert::Infallible>(piece), s))
    });
    (
        [(header::CONTENT_TYPE, "application/octet-stream")],
        Body::from_stream(body),
    )
        .into_response()
}
