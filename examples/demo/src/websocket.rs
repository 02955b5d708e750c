//! The `/ws` handshake and frame sending, on hyper's upgrade and
//! tokio-tungstenite directly, so that a large frame goes out as a
//! fragmented message.
//!
//! axum's `WebSocket` sends every message whole, and tungstenite copies a
//! whole message into the connection's write buffer, which keeps the
//! capacity of the largest message it ever held until the connection ends:
//! 127 viewers that read nothing of a posted 4096×4096 array (a 32 MiB
//! frame) grew the server from 108 to 4174 MiB (`tests/limits.rs`).
//! Here a frame of more than [`FRAGMENT`] bytes is sent as one binary frame
//! and continuation frames of at most [`FRAGMENT`] bytes each (RFC 6455
//! §5.4; browsers and tungstenite hand the reassembled message to the
//! page), each a slice of the one frame all connections share. A
//! connection's write buffer stays near [`FRAGMENT`] bytes whatever the
//! frame's size, and a frame is in memory once however many viewers it has.
//!
//! The handshake is RFC 6455 §4.2 for HTTP/1.1 (the demo serves nothing
//! else): a `GET` with `Connection: upgrade`, `Upgrade: websocket`,
//! `Sec-WebSocket-Version: 13` and a `Sec-WebSocket-Key` of 16 bytes in
//! base64; the answer is `101 Switching Protocols` with the key's
//! `Sec-WebSocket-Accept`. The Origin check is the server's (`server.rs`),
//! before this runs.

use std::future::Future;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::{FutureExt, SinkExt, StreamExt};
use hyper_util::rt::TokioIo;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error, Message};
use tokio_tungstenite::WebSocketStream;

/// An upgraded `/ws` connection.
pub type Socket = WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>;

/// The largest frame sent whole; a larger one goes out in fragments of
/// this size.
pub const FRAGMENT: usize = 64 * 1024;

/// The connection's settings: incoming messages and frames of at most
/// `max_incoming` bytes read through a 4 KiB buffer; outgoing frames
/// written at once (no batching: each fragment is flushed before the next
/// is made), the write buffer refused beyond two fragments (which the
/// sending above never reaches: a fragment, its header, a queued pong).
pub fn config(max_incoming: usize) -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .max_message_size(Some(max_incoming))
        .max_frame_size(Some(max_incoming))
        .write_buffer_size(0)
        .max_write_buffer_size(2 * FRAGMENT)
}

/// Answers a WebSocket upgrade request: the 4xx that says what the
/// request lacks; else, when `admit` finds no room (`None`), a 503 with
/// `Retry-After`; else `101` and, once the client has it, the connection
/// handed to the function `admit` returned (on its own task).
pub fn upgrade<A, F, Fut>(mut req: Request, config: WebSocketConfig, admit: A) -> Response
where
    A: FnOnce() -> Option<F>,
    F: FnOnce(Socket) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let accept = match check(req.method(), req.headers()) {
        Ok(accept) => accept,
        Err(refusal) => return refusal.into_response(),
    };
    // Absent when the connection cannot be taken over (not HTTP/1.1).
    let Some(on_upgrade) = req.extensions_mut().remove::<hyper::upgrade::OnUpgrade>() else {
        return Refusal {
            status: StatusCode::UPGRADE_REQUIRED,
            reason: "this connection cannot be upgraded to a WebSocket (use HTTP/1.1)",
            headers: UPGRADE_REQUIRED,
        }
        .into_response();
    };
    let Some(serve) = admit() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "5")],
            "too many WebSocket connections\n",
        )
            .into_response();
    };
    tokio::spawn(async move {
        // An error here is a client gone before the 101 reached it.
        if let Ok(upgraded) = on_upgrade.await {
            let socket = WebSocketStream::from_raw_socket(
                TokioIo::new(upgraded),
                Role::Server,
                Some(config),
            )
            .await;
            serve(socket).await;
        }
    });
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = resp.headers_mut();
    h.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
    resp
}

/// Why an upgrade request is refused: the status, the reason (the body)
/// and the headers the status calls for.
#[derive(Debug)]
struct Refusal {
    status: StatusCode,
    reason: &'static str,
    headers: &'static [(header::HeaderName, &'static str)],
}

/// A 426 names the protocol to upgrade to (RFC 9110 §15.5.22) and, for the
/// WebSocket, the version this server speaks (RFC 6455 §4.2.2).
const UPGRADE_REQUIRED: &[(header::HeaderName, &str)] = &[
    (header::UPGRADE, "websocket"),
    (header::SEC_WEBSOCKET_VERSION, "13"),
];

impl Refusal {
    fn bad_request(reason: &'static str) -> Refusal {
        Refusal {
            status: StatusCode::BAD_REQUEST,
            reason,
            headers: &[],
        }
    }

    fn into_response(self) -> Response {
        let mut resp = refuse(self.status, self.reason);
        for (name, value) in self.headers {
            resp.headers_mut()
                .insert(name.clone(), HeaderValue::from_static(value));
        }
        resp
    }
}

/// The `Sec-WebSocket-Accept` value for a valid upgrade request.
fn check(method: &Method, headers: &HeaderMap) -> Result<HeaderValue, Refusal> {
    if method != Method::GET {
        return Err(Refusal {
            status: StatusCode::METHOD_NOT_ALLOWED,
            reason: "a WebSocket upgrade is a GET",
            headers: &[(header::ALLOW, "GET")],
        });
    }
    if !has_token(headers, &header::CONNECTION, "upgrade") {
        return Err(Refusal::bad_request(
            "a WebSocket upgrade needs Connection: upgrade",
        ));
    }
    if !has_token(headers, &header::UPGRADE, "websocket") {
        return Err(Refusal::bad_request(
            "a WebSocket upgrade needs Upgrade: websocket",
        ));
    }
    // Bytes after the request are the WebSocket's: a body would be read as
    // frames or dropped, depending on how it arrives.
    let announces_body = headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get_all(header::CONTENT_LENGTH)
            .iter()
            .any(|v| v.as_bytes() != b"0");
    if announces_body {
        return Err(Refusal::bad_request(
            "a WebSocket upgrade request has no body",
        ));
    }
    if headers
        .get_all(header::SEC_WEBSOCKET_VERSION)
        .iter()
        .count()
        > 1
        || headers.get_all(header::SEC_WEBSOCKET_KEY).iter().count() > 1
    {
        return Err(Refusal::bad_request(
            "a WebSocket upgrade has one Sec-WebSocket-Version and one Sec-WebSocket-Key",
        ));
    }
    // RFC 6455 §4.2.1: a request without a version is malformed (400);
    // §4.4: one asking for another version gets 426 and the versions this
    // server speaks.
    let Some(version) = headers.get(header::SEC_WEBSOCKET_VERSION) else {
        return Err(Refusal::bad_request(
            "a WebSocket upgrade needs Sec-WebSocket-Version: 13",
        ));
    };
    if version.as_bytes() != b"13" {
        return Err(Refusal {
            status: StatusCode::UPGRADE_REQUIRED,
            reason: "this server speaks WebSocket version 13 (Sec-WebSocket-Version: 13)",
            headers: UPGRADE_REQUIRED,
        });
    }
    let key = headers
        .get(header::SEC_WEBSOCKET_KEY)
        .map(HeaderValue::as_bytes);
    match key {
        // The accept key is base64: always a valid header value.
        Some(key) if is_key(key) => HeaderValue::from_str(&derive_accept_key(key)).map_err(|_| {
            Refusal::bad_request(
                "a WebSocket upgrade needs a Sec-WebSocket-Key of 16 bytes in base64",
            )
        }),
        _ => Err(Refusal::bad_request(
            "a WebSocket upgrade needs a Sec-WebSocket-Key of 16 bytes in base64",
        )),
    }
}

/// Whether a `name` header (comma-separated tokens, any number of such
/// headers) has `token`, in any case.
fn has_token(headers: &HeaderMap, name: &header::HeaderName, token: &str) -> bool {
    headers.get_all(name).iter().any(|v| {
        v.to_str()
            .unwrap_or("")
            .split(',')
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    })
}

/// Whether `key` is the base64 of 16 bytes: 22 base64 digits, the last one
/// carrying no bits beyond the 128th, and `==`.
fn is_key(key: &[u8]) -> bool {
    const DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let [body @ .., b'=', b'='] = key else {
        return false;
    };
    let value = |c: &u8| DIGITS.iter().position(|d| d == c);
    body.len() == 22
        && body.iter().all(|c| value(c).is_some())
        // The 22nd digit holds 2 bits of the 16th byte and 4 zero bits.
        && body.last().and_then(value).is_some_and(|v| v & 0x0f == 0)
}

fn refuse(status: StatusCode, reason: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{reason}\n"),
    )
        .into_response()
}

/// The most messages read after each fragment; beyond, the peer's
/// messages wait in the socket until the next fragment is written, so that
/// a peer sending without pause cannot hold up the frame.
const READ_AHEAD: usize = 16;

/// Sends `frame` as one binary message: whole when it has at most
/// [`FRAGMENT`] bytes, else as fragments of [`FRAGMENT`] bytes (the last
/// one shorter), each flushed before the next. After each piece (the whole
/// frame too), what the peer has sent is read and handed to `take`, so that
/// its pings are answered at once (tungstenite writes the pong, for the
/// latest ping, before the next fragment) rather than after the whole
/// message. When `take` returns false (the peer closed or broke the
/// connection: a Close, an error, the end), or `go_on` does between
/// fragments, the rest is not sent.
pub async fn send_frame(
    socket: &mut Socket,
    frame: Bytes,
    mut take: impl FnMut(Option<Result<Message, Error>>) -> bool,
    go_on: impl Fn() -> bool,
) -> Result<(), Error> {
    if frame.len() <= FRAGMENT {
        socket.send(Message::Binary(frame)).await?;
        read_ahead(socket, &mut take);
        return Ok(());
    }
    let mut rest = frame;
    let mut opcode = Data::Binary;
    while !rest.is_empty() {
        let piece = rest.split_to(FRAGMENT.min(rest.len()));
        let last = rest.is_empty();
        socket
            .send(Message::Frame(Frame::message(
                piece,
                OpCode::Data(opcode),
                last,
            )))
            .await?;
        opcode = Data::Continue;
        if !read_ahead(socket, &mut take) || !go_on() {
            return Ok(());
        }
    }
    Ok(())
}

/// Hands what the peer has already sent (at most [`READ_AHEAD`] messages)
/// to `take`, without waiting; false when `take` did.
pub fn read_ahead(
    socket: &mut Socket,
    take: &mut impl FnMut(Option<Result<Message, Error>>) -> bool,
) -> bool {
    for _ in 0..READ_AHEAD {
        let Some(item) = socket.next().now_or_never() else {
            break;
        };
        if !take(item) {
            return false;
        }
    }
    true
}

/// After this side's Close: reads (and drops) what the peer still sends,
/// straight from the connection, until it ends or is quiet for
/// [`QUIET`], for at most `wait` and [`LINGER_BYTES`] (a peer that keeps
/// sending after the Close is not waited for), so that the connection is not dropped
/// with unread data, which makes the kernel send a reset that can destroy
/// the Close on its way to the peer (RFC 6455 §7.1.1). tungstenite cannot
/// do this: after an error in what the peer sent it reads no more.
pub async fn linger(socket: &mut Socket, wait: std::time::Duration) {
    use tokio::io::AsyncReadExt;
    let _ = socket.flush().await;
    let io = socket.get_mut();
    let mut buf = vec![0u8; 16 * 1024];
    let deadline = tokio::time::Instant::now() + wait;
    let mut left = LINGER_BYTES;
    loop {
        let until = deadline.min(tokio::time::Instant::now() + QUIET);
        match tokio::time::timeout_at(until, io.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 && n < left => left -= n,
            // The end, an error, a quiet spell or the deadline.
            _ => return,
        }
    }
}

/// The most [`linger`] reads.
const LINGER_BYTES: usize = 4 << 20;

/// How long [`linger`] waits for more from a peer that has stopped sending.
const QUIET: std::time::Duration = std::time::Duration::from_millis(100);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_16_bytes_of_base64() {
        // RFC 6455 §1.3's sample key.
        assert!(is_key(b"dGhlIHNhbXBsZSBub25jZQ=="));
        assert_eq!(
            derive_accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
        for bad in [
            &b""[..],
            b"dGhlIHNhbXBsZSBub25jZQ=",
            b"dGhlIHNhbXBsZSBub25jZQ",
            b"dGhlIHNhbXBsZSBub25jZR==", // bits beyond the 16th byte
            b"dGhlIHNhbXBsZSBub25j*Q==",
            b"dGhlIHNhbXBsZSBub25jZQdGhl==",
        ] {
            assert!(!is_key(bad), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn upgrade_requests_are_checked() {
        let good = [
            ("connection", "keep-alive, Upgrade"),
            ("upgrade", "WebSocket"),
            ("sec-websocket-version", "13"),
            ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ];
        let accept = check(&Method::GET, &headers(&good)).expect("a valid upgrade");
        assert_eq!(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        let status = |m: &Method, h: &[(&'static str, &'static str)]| {
            check(m, &headers(h)).map_or_else(|r| r.status.as_u16(), |_| 101)
        };
        assert_eq!(status(&Method::POST, &good), 405);
        for i in 0..good.len() {
            let mut less = good.to_vec();
            less.remove(i);
            assert_eq!(status(&Method::GET, &less), 400, "without {:?}", good[i].0);
        }

        let mut old = good;
        old[2] = ("sec-websocket-version", "8");
        assert_eq!(status(&Method::GET, &old), 426);
        let resp = check(&Method::GET, &headers(&old))
            .expect_err("version 8")
            .into_response();
        assert_eq!(resp.headers()[header::UPGRADE], "websocket");
        assert_eq!(resp.headers()[header::SEC_WEBSOCKET_VERSION], "13");
        let mut bad_key = good;
        bad_key[3] = ("sec-websocket-key", "x");
        assert_eq!(status(&Method::GET, &bad_key), 400);
    }
}
