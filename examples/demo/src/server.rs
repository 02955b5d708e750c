//! The accept loop and what every request passes through first.
//!
//! `axum::serve` has no header-read timeout and no connection limit, so a
//! client that opens sockets and never finishes its headers could hold them
//! all. This loop serves each connection with hyper's HTTP/1 server directly:
//!
//! - a **header-read timeout** (hyper's, which also runs while a keep-alive
//!   connection waits for its next request);
//! - a **send timeout** ([`SendTimeout`], nginx's `send_timeout`): a
//!   connection whose writes make no progress for that long (a client that
//!   stopped reading) is closed, WebSocket connections included (while
//!   frames are being sent to them), so that such clients cannot hold
//!   every connection (a WebSocket peer that is gone while nothing is sent
//!   to it is found by its unanswered pings: `live::PING_INTERVAL`);
//! - a **connection cap**, below the process's open-file limit: when it is
//!   reached, the connection that has been idle longest (no request in
//!   flight) is closed to make room, so idle sockets cannot lock out a real
//!   request; upgraded WebSocket connections are counted separately
//!   (`live::MAX_SOCKETS`);
//! - the **Host** check (DNS rebinding: only the configured names are
//!   served) and the **Origin** check on POSTs and the WebSocket upgrade
//!   (another site's page cannot drive the demo): see [`Guard`];
//! - a **lingering close** for refused uploads ([`linger`]): the rest of a
//!   body that is answered before it is read (413, 415, 403, 421) is read
//!   and dropped, for at most [`LINGER_TIME`], so that a client still
//!   uploading gets the answer instead of a broken pipe.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::oneshot;
use tower::ServiceExt;

/// How long a client may take by default to send a request's headers (or,
/// on a keep-alive connection, to start the next request).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a write may wait for the client to read (by default).
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// How long [`linger`] goes on reading a refused body.
pub const LINGER_TIME: Duration = Duration::from_secs(5);

/// Reads and drops what is left of a request body that was answered
/// without being read, for at most [`LINGER_TIME`], while the answer goes
/// out. Closing a connection with a client still writing makes the
/// client's next write fail (a broken pipe, or a reset), and many HTTP
/// clients (Node's `fetch`, for one) then report that failure instead of
/// the answer they were sent; nginx reads on for the same reason
/// (`lingering_close`). The bound is time, not bytes: dropping bytes costs
/// nothing but the read, and the connection still counts against the cap.
pub fn linger(body: Body) {
    use http_body_util::BodyExt as _;
    tokio::spawn(async move {
        let mut body = body;
        let drain = async { while let Some(Ok(_)) = body.frame().await {} };
        let _ = tokio::time::timeout(LINGER_TIME, drain).await;
    });
}

/// Whether the request announces (`Content-Length`) a body longer than
/// `limit`: such a body is refused before a byte of it is read.
pub fn announces_more_than(headers: &HeaderMap, limit: usize) -> bool {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| u64::try_from(limit).is_ok_and(|limit| n > limit))
}

/// A connection whose writes fail (`TimedOut`) once one has waited
/// `timeout` without the client taking a byte: nginx's `send_timeout`, the
/// time between two successive writes, not a bound on the whole answer.
/// Reads pass through untouched (hyper's header timeout and the routes'
/// body timeouts bound them).
pub struct SendTimeout<T> {
    inner: T,
    timeout: Duration,
    stalled: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
}

impl<T> SendTimeout<T> {
    pub fn new(inner: T, timeout: Duration) -> Self {
        SendTimeout {
            inner,
            timeout,
            stalled: None,
        }
    }

    /// `poll` as the wrapper answers it: progress disarms the timer, a
    /// write that waits arms it, and one that has waited too long fails.
    fn watch<R>(
        &mut self,
        cx: &mut std::task::Context<'_>,
        poll: std::task::Poll<std::io::Result<R>>,
    ) -> std::task::Poll<std::io::Result<R>> {
        use std::future::Future as _;
        use std::task::Poll;
        match poll {
            Poll::Ready(r) => {
                self.stalled = None;
                Poll::Ready(r)
            }
            Poll::Pending => {
                let timeout = self.timeout;
                let sleep = self
                    .stalled
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
                match sleep.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "the client read nothing for the send timeout",
                    ))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl<T: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for SendTimeout<T> {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<T: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for SendTimeout<T> {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let poll = std::pin::Pin::new(&mut this.inner).poll_write(cx, buf);
        this.watch(cx, poll)
    }

    fn poll_write_vectored(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let poll = std::pin::Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.watch(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let poll = std::pin::Pin::new(&mut this.inner).poll_flush(cx);
        this.watch(cx, poll)
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let poll = std::pin::Pin::new(&mut this.inner).poll_shutdown(cx);
        this.watch(cx, poll)
    }
}

/// Descriptors kept free for files, the WebSocket connections and the rest.
const SPARE_FDS: u64 = 64;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The soft open-file limit of this process, from `/proc/self/limits`
/// (1024 where that cannot be read).
pub fn open_file_limit() -> u64 {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3).map(str::to_owned))
        })
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024)
}

/// The most connections to hold at once: `wanted`, or fewer so that they,
/// `reserved` other descriptors and a spare fit under the open-file limit.
pub fn connection_cap(wanted: usize, reserved: usize) -> usize {
    let limit = open_file_limit();
    let room = limit.saturating_sub(SPARE_FDS + reserved as u64).max(16);
    wanted.min(usize::try_from(room).unwrap_or(usize::MAX))
}

struct Conn {
    /// Requests in flight (their response bodies not yet finished).
    busy: usize,
    /// When the connection last became idle.
    idle_since: Instant,
    kill: Option<oneshot::Sender<()>>,
}

#[derive(Default)]
struct Table {
    next: u64,
    conns: HashMap<u64, Conn>,
}

/// The open connections.
#[derive(Clone, Default)]
struct Tracker(Arc<Mutex<Table>>);

impl Tracker {
    /// Registers a connection, closing the longest-idle one first if `cap`
    /// are open. `None` when all `cap` are busy.
    fn admit(&self, cap: usize) -> Option<(u64, oneshot::Receiver<()>)> {
        let mut t = lock(&self.0);
        if t.conns.len() >= cap {
            let oldest = t
                .conns
                .iter()
                .filter(|(_, c)| c.busy == 0 && c.kill.is_some())
                .min_by_key(|(_, c)| c.idle_since)
                .map(|(id, _)| *id)?;
            if let Some(kill) = t.conns.get_mut(&oldest).and_then(|c| c.kill.take()) {
                let _ = kill.send(());
            }
            t.conns.remove(&oldest);
        }
        let id = t.next;
        t.next = t.next.wrapping_add(1);
        let (tx, rx) = oneshot::channel();
        t.conns.insert(
            id,
            Conn {
                busy: 0,
                idle_since: Instant::now(),
                kill: Some(tx),
            },
        );
        Some((id, rx))
    }

    fn busy(&self, id: u64) -> Busy {
        if let Some(c) = lock(&self.0).conns.get_mut(&id) {
            c.busy = c.busy.saturating_add(1);
        }
        Busy {
            tracker: self.clone(),
            id,
        }
    }

    fn remove(&self, id: u64) {
        lock(&self.0).conns.remove(&id);
    }
}

/// A request in flight: the connection is idle again once this is dropped
/// (with the response body).
struct Busy {
    tracker: Tracker,
    id: u64,
}

impl Drop for Busy {
    fn drop(&mut self) {
        if let Some(c) = lock(&self.tracker.0).conns.get_mut(&self.id) {
            c.busy = c.busy.saturating_sub(1);
            c.idle_since = Instant::now();
        }
    }
}

/// A response body that keeps its connection marked busy until it ends.
struct Tracked {
    inner: Body,
    _busy: Busy,
}

impl http_body::Body for Tracked {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::pin::Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, holding at most
/// `cap` connections, each given `header_timeout` to send its headers and
/// closed when a write waits `send_timeout` for the client to read.
pub async fn run(
    listener: tokio::net::TcpListener,
    app: Router,
    cap: usize,
    header_timeout: Duration,
    send_timeout: Duration,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let tracker = Tracker::default();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .max_buf_size(64 * 1024);
    let http = Arc::new(http);
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            () = &mut shutdown => return,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of descriptors (or a connection reset before accept):
                // wait a moment instead of spinning.
                eprintln!("demo: accept: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Some((id, kill)) = tracker.admit(cap) else {
            drop(stream); // every connection is busy: refuse this one
            continue;
        };
        let _ = stream.set_nodelay(true);
        let (tracker, app, http) = (tracker.clone(), app.clone(), http.clone());
        tokio::spawn(async move {
            let t = tracker.clone();
            let svc = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                let busy = t.busy(id);
                let app = app.clone();
                async move {
                    let Ok(resp) = app.oneshot(req.map(Body::new)).await;
                    Ok::<_, Infallible>(resp.map(|inner| Tracked { inner, _busy: busy }))
                }
            });
            let conn = http
                .serve_connection(TokioIo::new(SendTimeout::new(stream, send_timeout)), svc)
                .with_upgrades();
            tokio::select! {
                _ = conn => {}
                _ = kill => {}
            }
            tracker.remove(id);
        });
    }
}

/// The host names the demo answers to, and the Origin check.
pub struct Guard {
    /// Lower-case host names (no port); `*` allows any.
    hosts: Vec<String>,
}

/// The host of a `Host` value or an origin's authority, without the port,
/// lower-case (`[::1]` keeps its brackets); `None` for a malformed one
/// (userinfo, `user@host`, which RFC 9110 §4.2.4 forbids here, or a port
/// that is not a number).
fn host_of(authority: &str) -> Option<String> {
    let a = authority.trim();
    if a.contains('@') {
        return None;
    }
    let (host, port) = if a.starts_with('[') {
        let end = a.find(']')?;
        let (host, rest) = a.split_at(end + 1);
        match rest {
            "" => (host, None),
            _ => (host, Some(rest.strip_prefix(':')?)),
        }
    } else {
        match a.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (a, None),
        }
    };
    let port_ok = port.is_none_or(|p| p.bytes().all(|b| b.is_ascii_digit()));
    port_ok.then(|| host.to_ascii_lowercase())
}

impl Guard {
    /// localhost and the loopback addresses, plus `extra`.
    pub fn new(extra: &[String]) -> Guard {
        let mut hosts: Vec<String> = ["localhost", "127.0.0.1", "[::1]"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        hosts.extend(extra.iter().map(|h| {
            let h = h.trim().to_ascii_lowercase();
            if h.contains(':') && !h.starts_with('[') {
                format!("[{h}]") // a bare IPv6 address
            } else {
                h
            }
        }));
        Guard { hosts }
    }

    fn host_allowed(&self, host: &str) -> bool {
        let Some(host) = host_of(host) else {
            return false;
        };
        self.hosts.iter().any(|h| h == "*" || *h == host)
    }

    /// Why `headers` may not reach the demo, if they may not.
    fn refuse(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
    ) -> Option<(StatusCode, &'static str)> {
        // RFC 9112 §3.2: 400 for a request without a Host or with more
        // than one.
        let mut hosts = headers.get_all(header::HOST).iter();
        let (Some(host), None) = (hosts.next(), hosts.next()) else {
            return Some((
                StatusCode::BAD_REQUEST,
                "a request needs exactly one Host header\n",
            ));
        };
        // RFC 9112 §3.2.2: the authority of an absolute-form target
        // (`GET http://name/ws`) is the host asked for, not Host's.
        let host = match uri.authority() {
            Some(authority) => Some(authority.as_str()),
            None => host.to_str().ok(),
        };
        let Some(host) = host.filter(|h| self.host_allowed(h)) else {
            return Some((
                StatusCode::MISDIRECTED_REQUEST,
                "this host name is not served (see --allow-host)\n",
            ));
        };
        // A browser sends Origin with every POST and WebSocket upgrade; it
        // must be this server itself. (Clients that are not browsers, such
        // as curl, send none.)
        let checked = *method == Method::POST || (*method == Method::GET && uri.path() == "/ws");
        if checked {
            // RFC 6454 §7.3: a user agent sends at most one.
            let mut origins = headers.get_all(header::ORIGIN).iter();
            let (origin, second) = (origins.next(), origins.next());
            if second.is_some() {
                return Some((
                    StatusCode::BAD_REQUEST,
                    "a request has at most one Origin header\n",
                ));
            }
            if let Some(origin) = origin {
                let same = origin.to_str().ok().is_some_and(|o| {
                    let authority = o
                        .strip_prefix("http://")
                        .or_else(|| o.strip_prefix("https://"));
                    authority.is_some_and(|a| a.eq_ignore_ascii_case(host))
                });
                if !same {
                    return Some((StatusCode::FORBIDDEN, "cross-origin requests are refused\n"));
                }
            }
        }
        None
    }
}

/// Middleware: [`Guard`]'s checks on every request.
pub async fn guard(State(g): State<Arc<Guard>>, req: Request, next: Next) -> Response {
    if let Some((status, why)) = g.refuse(req.method(), req.uri(), req.headers()) {
        linger(req.into_body());
        return (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            why,
        )
            .into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        let g = Guard::new(&["demo.example".to_owned(), "::2".to_owned()]);
        for ok in [
            "localhost:8765",
            "127.0.0.1",
            "[::1]:80",
            "DEMO.example:1",
            "[::2]",
        ] {
            assert!(g.host_allowed(ok), "{ok}");
        }
        for no in [
            "attacker.example",
            "localhost.attacker.example:8765",
            "127.0.0.2",
            "",
            "127.0.0.1:80@evil.example",
            "localhost@evil.example",
            "localhost:evil",
            "localhost:80:80",
            "[::1]evil.example",
            "[::1]:x",
        ] {
            assert!(!g.host_allowed(no), "{no}");
        }
    }

    #[test]
    fn one_host_header() {
        let g = Guard::new(&[]);
        let mut m = HeaderMap::new();
        assert_eq!(
            g.refuse(&Method::GET, &Uri::from_static("/"), &m)
                .map(|r| r.0),
            Some(StatusCode::BAD_REQUEST)
        );
        m.append(header::HOST, "localhost".parse().unwrap());
        assert!(g.refuse(&Method::GET, &Uri::from_static("/"), &m).is_none());
        m.append(header::HOST, "evil.example".parse().unwrap());
        assert_eq!(
            g.refuse(&Method::GET, &Uri::from_static("/"), &m)
                .map(|r| r.0),
            Some(StatusCode::BAD_REQUEST)
        );
    }

    #[test]
    fn origins() {
        let g = Guard::new(&[]);
        let h = |pairs: &[(&'static str, &'static str)]| {
            let mut m = HeaderMap::new();
            for (k, v) in pairs {
                m.insert(*k, v.parse().unwrap());
            }
            m
        };
        let same = h(&[("host", "127.0.0.1:1"), ("origin", "http://127.0.0.1:1")]);
        assert!(g
            .refuse(&Method::POST, &Uri::from_static("/animate"), &same)
            .is_none());
        let evil = h(&[("host", "127.0.0.1:1"), ("origin", "http://evil.example")]);
        assert_eq!(
            g.refuse(&Method::POST, &Uri::from_static("/animate"), &evil)
                .map(|r| r.0),
            Some(StatusCode::FORBIDDEN)
        );
        assert_eq!(
            g.refuse(&Method::GET, &Uri::from_static("/ws"), &evil)
                .map(|r| r.0),
            Some(StatusCode::FORBIDDEN)
        );
        assert!(g
            .refuse(&Method::GET, &Uri::from_static("/i/a.png"), &evil)
            .is_none());
        let other_port = h(&[("host", "127.0.0.1:1"), ("origin", "http://127.0.0.1:2")]);
        assert!(g
            .refuse(&Method::POST, &Uri::from_static("/animate"), &other_port)
            .is_some());
        let mut two = same.clone();
        two.append(header::ORIGIN, "http://evil.example".parse().unwrap());
        assert_eq!(
            g.refuse(&Method::GET, &Uri::from_static("/ws"), &two)
                .map(|r| r.0),
            Some(StatusCode::BAD_REQUEST)
        );
        let absolute = Uri::from_static("http://evil.example/ws");
        assert_eq!(
            g.refuse(&Method::GET, &absolute, &same).map(|r| r.0),
            Some(StatusCode::MISDIRECTED_REQUEST)
        );
        let absolute = Uri::from_static("http://127.0.0.1:1/ws");
        assert!(g.refuse(&Method::GET, &absolute, &same).is_none());
        let rebinding = h(&[("host", "attacker.example")]);
        assert_eq!(
            g.refuse(&Method::GET, &Uri::from_static("/"), &rebinding)
                .map(|r| r.0),
            Some(StatusCode::MISDIRECTED_REQUEST)
        );
    }
}
