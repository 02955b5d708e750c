//! The demo server's connection limits: refused uploads read to their end,
//! the send timeout, bounded waits for the parse slot, pings that find
//! WebSocket peers gone silent, frames sent in fragments, and the memory
//! slow WebSocket viewers can make the server hold.
//!
//! Each test starts the built demo binary (`common::Server`).

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{frame_within, Server, Ws};
use framewire::vcbn;
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

/// A refused upload is still read (and dropped) to its end, so that a
/// client that writes its whole body before it reads gets the 413, not a
/// reset that can discard the answer (nginx's lingering close): by the
/// announced length, by what arrives (chunked), on `/set_mode`, and when
/// the type or the origin is refused before any of the body is read.
#[test]
fn a_refused_upload_is_read_to_its_end_so_the_413_arrives() {
    let server = Server::start("linger");
    let big = vec![b' '; 40 * 1024 * 1024];
    let json = [("Content-Type", "application/json")];
    let (written, status, text) = server.upload("POST", "/set_array", &json, &big);
    written.expect("the whole body is read");
    assert_eq!(status, 413, "{text}");
    assert!(text.contains("the limit is 32 MiB"), "{text}");
    // The same bytes as chunks of 1 MiB: refused once 32 MiB have arrived.
    let mut chunked = Vec::new();
    for piece in big.chunks(1024 * 1024) {
        chunked.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        chunked.extend_from_slice(piece);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let streamed = [
        ("Content-Type", "application/json"),
        ("Transfer-Encoding", "chunked"),
    ];
    let (written, status, text) = server.upload("POST", "/set_array", &streamed, &chunked);
    written.expect("the whole chunked body is read");
    assert_eq!(status, 413, "{text}");
    let (written, status, text) =
        server.upload("POST", "/set_mode", &json, &big[..4 * 1024 * 1024]);
    written.expect("the whole /set_mode body is read");
    assert_eq!(status, 413, "{text}");
    assert!(text.contains("1024 bytes"), "{text}");
    // Refused before any of the body is read: by its type, by its origin.
    for (headers, want) in [
        (vec![("Content-Type", "text/plain")], 415),
        (
            vec![
                ("Content-Type", "application/json"),
                ("Origin", "http://evil.example"),
            ],
            403,
        ),
    ] {
        let (written, status, text) = server.upload("POST", "/set_array", &headers, &big);
        written.unwrap_or_else(|e| panic!("{headers:?}: the body is read ({e})"));
        assert_eq!(status, want, "{text}");
    }
    let (written, status, _) =
        server.upload("POST", "/animate", &[("Content-Type", "text/plain")], &big);
    written.expect("the /animate body is read");
    assert_eq!(status, 415);
    // The server is still there.
    assert_eq!(server.state()["format"], "vcbn");
}

/// Whether a new connection gets `GET /api/state` answered within 5 s.
fn answered(addr: &str) -> bool {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return false;
    };
    s.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let req = format!("GET /api/state HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if s.write_all(req.as_bytes()).is_err() {
        return false;
    }
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out.starts_with(b"HTTP/1.1 200")
}

/// Clients that stop reading cannot hold every connection: a write that
/// waits `--send-timeout` for its client fails, the connection is closed,
/// and a newcomer is served. With a send timeout longer than the test, the
/// same clients do lock newcomers out (so the setup really stalls).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_stop_reading_are_closed_after_the_send_timeout() {
    use tokio::io::AsyncWriteExt as _;
    for (send_timeout, served) in [("1000", false), ("2", true)] {
        let server = Server::start_with(
            "stalled",
            &["--max-connections", "8", "--send-timeout", send_timeout],
        );
        let addr: std::net::SocketAddr = server.addr.parse().expect("address");
        // Eight clients ask for /stream?n=300 (about 17 MB) with a 4 KiB
        // receive buffer, and never read.
        let mut hogs = Vec::new();
        for _ in 0..8 {
            let sock = tokio::net::TcpSocket::new_v4().expect("socket");
            sock.set_recv_buffer_size(4096).expect("SO_RCVBUF");
            let mut s = sock.connect(addr).await.expect("connect");
            let req = format!("GET /stream?n=300 HTTP/1.1\r\nHost: {addr}\r\n\r\n");
            s.write_all(req.as_bytes()).await.expect("request");
            hogs.push(s);
        }
        tokio::time::sleep(Duration::from_secs(5)).await;
        let a = server.addr.clone();
        let got = tokio::task::spawn_blocking(move || answered(&a))
            .await
            .expect("probe");
        assert_eq!(got, served, "--send-timeout {send_timeout}");
        drop(hogs);
    }
}

/// A slow upload holds the one parse slot for at most its body timeout
/// (30 s); the requests behind it wait 5 s at most, then get a 503 that
/// says why, instead of queueing behind every slow upload.
#[test]
fn requests_behind_a_slow_upload_wait_a_bounded_time() {
    let server = Server::start("slow-upload");
    let mut slow = TcpStream::connect(&server.addr).expect("connect");
    let head = format!(
        "POST /set_array HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n[[",
        server.addr
    );
    slow.write_all(head.as_bytes()).expect("write");
    std::thread::sleep(Duration::from_millis(500));
    let started = std::time::Instant::now();
    let (status, body) = server.post_json("/set_mode", r#"{"format":"vcbn"}"#);
    let waited = started.elapsed();
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("busy"), "{body}");
    assert!(waited < Duration::from_secs(10), "waited {waited:?}");
    let (status, body) = server.post_json("/set_array", "[[1, 2]]");
    assert_eq!(status, 503, "{body}");
    drop(slow);
    // Once the slow upload is gone, the slot is free again.
    std::thread::sleep(Duration::from_millis(500));
    let (status, body) = server.post_json("/set_mode", r#"{"format":"vcbn"}"#);
    assert_eq!(status, 200, "{body}");
}

/// Whether the WebSocket ends (a close frame, an error or the end of the
/// stream) within `wait`, and whether a ping came before that.
async fn ends_within(ws: &mut Ws, wait: Duration) -> (bool, bool) {
    let deadline = tokio::time::Instant::now() + wait;
    let mut pinged = false;
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => return (false, pinged),
            Ok(Some(Ok(Message::Ping(_)))) => pinged = true,
            Ok(Some(Ok(Message::Close(_)))) | Ok(Some(Err(_))) | Ok(None) => return (true, pinged),
            Ok(Some(Ok(_))) => {}
        }
    }
}

/// A WebSocket peer that has gone silent (a closed laptop: no FIN, no
/// pong) is disconnected one ping interval after an unanswered ping, even
/// while a posted array is shown and no frame is being sent, so such peers
/// cannot hold the 128 WebSocket slots. A peer that answers pings (here
/// tungstenite, as it reads) stays. With an interval longer than the test,
/// the silent peer stays too (so the test can fail).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_websocket_peers_are_closed_after_an_unanswered_ping() {
    for (interval, closed) in [("1000", false), ("1", true)] {
        let server = Server::start_with("ping", &["--ping-interval", interval]);
        let (status, body) = server.post_json("/set_array", "[[1, 2], [3, 4]]");
        assert_eq!(status, 200, "{body}");
        let mut silent = server.ws().await;
        let mut live = server.ws().await;
        // `live` reads (and so answers pings) for 3.5 s; `silent` does not.
        let until = tokio::time::Instant::now() + Duration::from_millis(3500);
        let mut pinged = false;
        while let Ok(msg) = tokio::time::timeout_at(until, live.next()).await {
            match msg {
                Some(Ok(Message::Ping(_))) => pinged = true,
                Some(Ok(_)) => {}
                other => panic!("--ping-interval {interval}: the answering peer ended: {other:?}"),
            }
        }
        assert_eq!(
            pinged, closed,
            "--ping-interval {interval}: pings to the answering peer"
        );
        let (ended, silent_pinged) = ends_within(&mut silent, Duration::from_secs(1)).await;
        assert_eq!(
            ended, closed,
            "--ping-interval {interval}: the silent peer closed"
        );
        assert_eq!(
            silent_pinged, closed,
            "--ping-interval {interval}: the silent peer pinged"
        );
        live.send(Message::Text("resend".into()))
            .await
            .expect("send");
        frame_within(&mut live, Duration::from_secs(5))
            .await
            .unwrap_or_else(|| panic!("--ping-interval {interval}: the answering peer is served"));
    }
}

/// One WebSocket frame read from a server (unmasked): FIN, opcode, payload.
fn read_ws_frame(s: &mut TcpStream) -> (bool, u8, Vec<u8>) {
    let mut head = [0u8; 2];
    s.read_exact(&mut head).expect("a frame header");
    assert_eq!(head[1] & 0x80, 0, "frames from a server are not masked");
    let len = match head[1] & 0x7f {
        126 => {
            let mut n = [0u8; 2];
            s.read_exact(&mut n).expect("length");
            u64::from(u16::from_be_bytes(n))
        }
        127 => {
            let mut n = [0u8; 8];
            s.read_exact(&mut n).expect("length");
            u64::from_be_bytes(n)
        }
        n => u64::from(n),
    };
    let mut payload = vec![0u8; usize::try_from(len).expect("a frame that fits")];
    s.read_exact(&mut payload).expect("payload");
    (head[0] & 0x80 != 0, head[0] & 0x0f, payload)
}

/// The frames of the next data message: (FIN, opcode, payload length) of
/// each, and the reassembled message.
fn read_ws_message(s: &mut TcpStream) -> (Vec<(bool, u8, usize)>, Vec<u8>) {
    let mut frames = Vec::new();
    let mut message = Vec::new();
    loop {
        let (fin, opcode, payload) = read_ws_frame(s);
        if opcode >= 8 {
            // A control frame (a pong tungstenite queued) may come
            // between fragments.
            continue;
        }
        frames.push((fin, opcode, payload.len()));
        message.extend_from_slice(&payload);
        if fin {
            return (frames, message);
        }
    }
}

/// A WebSocket upgrade request for `/ws` with RFC 6455 §1.3's sample key.
fn upgrade_request(server: &Server) -> String {
    format!(
        "GET /ws HTTP/1.1\r\nHost: {}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        server.addr
    )
}

/// Checks the answer to [`upgrade_request`]: a 101 with the sample key's
/// `Sec-WebSocket-Accept` (RFC 6455 §1.3).
fn check_101(head: &[u8]) {
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 101"), "{head}");
    assert!(
        head.contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo=\r\n"),
        "{head}"
    );
}

/// A raw WebSocket connection to `/ws`, the handshake checked.
fn raw_ws(server: &Server) -> TcpStream {
    let mut s = TcpStream::connect(&server.addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20))).ok();
    s.write_all(upgrade_request(server).as_bytes())
        .expect("handshake");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        s.read_exact(&mut byte).expect("the 101");
        head.push(byte[0]);
    }
    check_101(&head);
    s
}

/// A frame larger than 64 KiB goes out as a binary frame of 64 KiB and
/// continuation frames (the last one shorter), which reassemble to the
/// VCBN envelope; a small one goes out whole. Refused upgrades say why.
#[test]
fn large_frames_are_sent_in_fragments_of_64_kib() {
    let server = Server::start("fragments");
    post_u8_array(&server, 512);
    let mut s = raw_ws(&server);
    let (frames, message) = read_ws_message(&mut s);
    let envelope = vcbn::decode(&message).expect("a VCBN envelope");
    assert_eq!(envelope.header().shape(), framewire::Shape::new(512, 512));
    assert!(message.len() > 512 * 512 * 2);
    assert_eq!(frames.len(), message.len().div_ceil(65536), "{frames:?}");
    for (i, &(fin, opcode, len)) in frames.iter().enumerate() {
        let last = i + 1 == frames.len();
        assert_eq!(fin, last, "frame {i}: FIN on the last only");
        assert_eq!(
            opcode,
            if i == 0 { 2 } else { 0 },
            "frame {i}: binary, then continuations"
        );
        if !last {
            assert_eq!(len, 65536, "frame {i}");
        }
    }
    // A small array's frame: one binary frame.
    let (status, body) = server.post_json("/set_array", "[[1, 2], [3, 4]]");
    assert_eq!(status, 200, "{body}");
    let (frames, message) = read_ws_message(&mut s);
    assert_eq!(frames, [(true, 2, message.len())]);
    assert!(vcbn::decode(&message).is_ok());
    // Upgrades the server refuses, with the reason.
    let upgrade = |extra: &[(&str, &str)]| {
        let mut h = vec![
            ("Connection", "Upgrade"),
            ("Upgrade", "websocket"),
            ("Sec-WebSocket-Version", "13"),
            ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ];
        for (k, v) in extra {
            h.retain(|(name, _)| name != k);
            if !v.is_empty() {
                h.push((k, v));
            }
        }
        server.request("GET", "/ws", &h, b"")
    };
    let (status, body) = upgrade(&[("Sec-WebSocket-Version", "8")]);
    assert_eq!(status, 426, "{body}");
    assert!(body.contains("version 13"), "{body}");
    let (status, body) = upgrade(&[("Sec-WebSocket-Key", "short")]);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("Sec-WebSocket-Key"), "{body}");
    let (status, body) = upgrade(&[("Upgrade", "")]);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("Upgrade: websocket"), "{body}");
}

/// A WebSocket client on a socket with a 4 KiB receive buffer that stops
/// reading once the server has begun sending it the current frame (a large
/// one: the header of its first fragment has arrived): the server's sends
/// to it stall with that frame.
async fn stalled_viewer(server: &Server) -> tokio::net::TcpStream {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr: std::net::SocketAddr = server.addr.parse().expect("address");
    let sock = tokio::net::TcpSocket::new_v4().expect("socket");
    sock.set_recv_buffer_size(4096).expect("SO_RCVBUF");
    let mut s = sock.connect(addr).await.expect("connect");
    s.write_all(upgrade_request(server).as_bytes())
        .await
        .expect("handshake");
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(s.read_u8().await.expect("the 101"));
    }
    check_101(&head);
    let first = s.read_u8().await.expect("a frame");
    assert_eq!(
        first, 0x02,
        "a binary frame that is not the last of its message"
    );
    s
}

/// Viewers that read slowly, each stuck on a different posted array,
/// cannot make the server hold an array per viewer: a new array that would
/// leave more than `--max-held-frames-mib` of superseded frames being sent
/// is refused with a 503 that says why, and accepted again once those
/// viewers are gone. Without such viewers the same posts all succeed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_viewers_cannot_make_the_server_hold_an_array_each() {
    let server = Server::start_with(
        "held",
        &["--max-held-frames-mib", "12", "--send-timeout", "1000"],
    );
    // 2048 x 2048 uint8: an 8 MiB frame of uint16 levels.
    let post = |k: u8| {
        let values: Vec<u8> = (0..2048 * 2048)
            .map(|i| (i as u8).wrapping_add(k))
            .collect();
        let body = common::npy_u8(2048, 2048, &values);
        let headers = [("Content-Type", "application/x-npy")];
        server.request("POST", "/set_array", &headers, &body)
    };
    for k in 0..4 {
        let (status, text) = post(k);
        assert_eq!(status, 200, "no viewers, array {k}: {text}");
    }
    // Array 10 is sent to a viewer that stalls; array 11 supersedes it
    // (8 MiB held) and is sent to another.
    let mut viewers = Vec::new();
    for k in 10..12 {
        let (status, text) = post(k);
        assert_eq!(status, 200, "array {k}: {text}");
        viewers.push(stalled_viewer(&server).await);
    }
    // Another array would leave both held: 16 MiB and their headers.
    let (status, text) = post(20);
    assert_eq!(status, 503, "{text}");
    let why = "slow viewers are still being sent 17 MiB of frames that a new one would supersede (the limit is 12 MiB)";
    assert!(text.contains(why), "{text}");
    // /set_mode would re-encode the array: refused too, the format unchanged.
    let (status, text) = server.post_json("/set_mode", r#"{"dtype":"packed","bits":12}"#);
    assert_eq!(status, 503, "{text}");
    assert_eq!(server.state()["format"], "vcbn");
    drop(viewers);
    let mut status = 0;
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        status = post(21).0;
        if status == 200 {
            break;
        }
    }
    assert_eq!(status, 200, "accepted once the stalled viewers are gone");
}

/// The server's resident memory, from /proc.
#[cfg(target_os = "linux")]
fn rss_mib(server: &Server) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.child.id()))
        .expect("/proc/PID/status");
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS");
    kib / 1024
}

/// Viewers of a posted 4096 x 4096 array that read nothing (16, or
/// `FW_DEMO_STALLED_VIEWERS` up to 127): the 32 MiB frame is held once for
/// all of them, and each connection's write buffer stays near one 64 KiB
/// fragment. When each WebSocket buffered whole messages, the server grew
/// by the frame's size per viewer (a 512 MiB growth for 16). Another
/// viewer, which reads, gets the whole frame. The resident memory before
/// and after is printed (`-- --nocapture`).
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn viewers_of_a_large_array_share_one_copy_of_its_frame() {
    let n: usize = std::env::var("FW_DEMO_STALLED_VIEWERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16)
        .clamp(1, 127);
    let server = Server::start_with("rss", &["--send-timeout", "1000"]);
    let values: Vec<u8> = (0..4096 * 4096).map(|i| (i % 253) as u8).collect();
    let npy = [("Content-Type", "application/x-npy")];
    let (status, body) = server.request(
        "POST",
        "/set_array",
        &npy,
        &common::npy_u8(4096, 4096, &values),
    );
    assert_eq!(status, 200, "{body}");
    let before = rss_mib(&server);
    let mut viewers = Vec::new();
    for _ in 0..n {
        viewers.push(stalled_viewer(&server).await);
    }
    // Let every connection write what the kernel will take, and stall.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = rss_mib(&server);
    eprintln!("{n} stalled viewers: the server's RSS went from {before} MiB to {after} MiB");
    assert!(
        after < before + 128,
        "{n} stalled viewers grew the server from {before} MiB to {after} MiB"
    );
    let mut ws = server.ws().await;
    let frame = frame_within(&mut ws, Duration::from_secs(20))
        .await
        .expect("the frame");
    let envelope = vcbn::decode(&frame).expect("a VCBN envelope");
    assert_eq!(envelope.header().shape(), framewire::Shape::new(4096, 4096));
    drop(viewers);
}

/// A client frame, masked (RFC 6455 §5.3; the key is fixed, which is
/// enough for a test).
fn masked(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let key = [0x37u8, 0xfa, 0x21, 0x3d];
    let mut out = vec![0x80 | opcode];
    match payload.len() {
        n if n < 126 => out.push(0x80 | n as u8),
        n => {
            out.push(0x80 | 126);
            out.extend_from_slice(&u16::try_from(n).expect("short").to_be_bytes());
        }
    }
    out.extend_from_slice(&key);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    out
}

/// The first Close frame from the server (frames before it skipped): its
/// status code, `None` when the connection ended without one.
fn close_code(s: &mut TcpStream) -> Option<u16> {
    let mut buf = [0u8; 1];
    loop {
        // The connection's end before a frame begins: no Close came.
        if s.peek(&mut buf).ok()? == 0 {
            return None;
        }
        let (_, opcode, payload) = read_ws_frame(s);
        if opcode == 8 {
            return Some(
                payload
                    .get(..2)
                    .map_or(1005, |c| u16::from_be_bytes([c[0], c[1]])),
            );
        }
    }
}

/// A client's Close is answered with a Close (RFC 6455 §5.5.1, so that a
/// browser sees a clean close), and a message over the 1 KiB limit gets a
/// Close with 1009 (message too big).
#[test]
fn websocket_closes_are_answered() {
    let server = Server::start("close");
    let mut s = raw_ws(&server);
    s.write_all(&masked(8, &1000u16.to_be_bytes()))
        .expect("close");
    assert_eq!(close_code(&mut s), Some(1000), "the Close answered");
    let mut s = raw_ws(&server);
    s.write_all(&masked(1, &[b'x'; 2000])).expect("a long text");
    assert_eq!(close_code(&mut s), Some(1009), "a message over 1 KiB");
    // The server is still there.
    assert_eq!(server.state()["format"], "vcbn");
}

/// A client's ping sent while a large message is on its way is answered
/// between its fragments, not after the whole message (clients that ping
/// to keep a connection alive would otherwise give up on slow links).
#[test]
fn pings_are_answered_between_fragments() {
    let server = Server::start("pong");
    let mut s = large_frame_begun(&server);
    s.write_all(&masked(9, b"are you there")).expect("ping");
    let mut fragments_after = None;
    loop {
        let (fin, opcode, payload) = read_ws_frame(&mut s);
        match opcode {
            10 => {
                assert_eq!(payload, b"are you there");
                fragments_after = Some(0);
            }
            0 => {
                if let Some(n) = fragments_after.as_mut() {
                    *n += 1;
                }
                if fin {
                    break;
                }
            }
            other => panic!("opcode {other} inside the message"),
        }
    }
    let after = fragments_after.expect("the pong came");
    assert!(after > 0, "the pong came after the whole message");
}

/// Upgrade requests that carry a body, or two keys, are refused (their
/// bytes would be read as frames or dropped depending on how they arrive);
/// text that is not UTF-8 gets Close 1007; a request needs one Host.
#[test]
fn odd_upgrades_and_bad_text_are_refused() {
    let server = Server::start("odd-upgrade");
    let base = [
        ("Connection", "Upgrade"),
        ("Upgrade", "websocket"),
        ("Sec-WebSocket-Version", "13"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ];
    // `request` announces the body's length.
    let (status, body) = server.request("GET", "/ws", &base, &masked(1, b"resend"));
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("no body"), "{body}");
    let mut two_keys = base.to_vec();
    two_keys.push(("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAA=="));
    let (status, body) = server.request("GET", "/ws", &two_keys, b"");
    assert_eq!(status, 400, "{body}");
    let mut s = raw_ws(&server);
    s.write_all(&masked(1, b"\xff\xfe")).expect("bad text");
    assert_eq!(close_code(&mut s), Some(1007), "text that is not UTF-8");
    // Two Host headers (RFC 9112 §3.2: 400).
    let mut s = TcpStream::connect(&server.addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let req = format!(
        "GET /api/state HTTP/1.1\r\nHost: {}\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
        server.addr
    );
    s.write_all(req.as_bytes()).expect("request");
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    assert!(
        out.starts_with(b"HTTP/1.1 400"),
        "{}",
        String::from_utf8_lossy(&out)
    );
}

/// The opcodes of the frames the server sends until its Close (or the
/// connection's end), and the Close's code.
fn frames_until_close(s: &mut TcpStream) -> (Vec<u8>, Option<u16>) {
    let (frames, code) = fin_frames_until_close(s);
    (frames.into_iter().map(|(op, _)| op).collect(), code)
}

/// [`frames_until_close`] with each frame's FIN bit.
fn fin_frames_until_close(s: &mut TcpStream) -> (Vec<(u8, bool)>, Option<u16>) {
    let mut opcodes = Vec::new();
    let mut buf = [0u8; 1];
    loop {
        if !matches!(s.peek(&mut buf), Ok(n) if n > 0) {
            return (opcodes, None);
        }
        let (fin, opcode, payload) = read_ws_frame(s);
        if opcode == 8 {
            let code = payload.get(..2).map(|c| u16::from_be_bytes([c[0], c[1]]));
            return (opcodes, Some(code.unwrap_or(1005)));
        }
        opcodes.push((opcode, fin));
    }
}

/// Posts a `side`×`side` `uint8` array (as `.npy`) to show.
fn post_u8_array(server: &Server, side: usize) {
    let values: Vec<u8> = (0..side * side).map(|i| (i % 239) as u8).collect();
    let npy = [("Content-Type", "application/x-npy")];
    let (status, body) = server.request(
        "POST",
        "/set_array",
        &npy,
        &common::npy_u8(side, side, &values),
    );
    assert_eq!(status, 200, "{body}");
}

/// The frames (FIN, opcode) the server sends until it has been quiet for
/// `quiet` (or the connection ends).
fn frames_until_quiet(s: &mut TcpStream, quiet: Duration) -> Vec<(bool, u8)> {
    s.set_read_timeout(Some(quiet)).ok();
    let mut frames = Vec::new();
    let mut buf = [0u8; 1];
    while matches!(s.peek(&mut buf), Ok(n) if n > 0) {
        let (fin, opcode, _) = read_ws_frame(s);
        frames.push((fin, opcode));
    }
    frames
}

/// A 4 MiB frame (64 fragments) being sent to a fresh raw WebSocket.
fn large_frame_begun(server: &Server) -> TcpStream {
    frame_begun(server, 2048)
}

/// A frame of a `side`×`side` `uint8` array being sent to a fresh raw
/// WebSocket, its first fragment's header read.
fn frame_begun(server: &Server, side: usize) -> TcpStream {
    post_u8_array(server, side);
    let mut s = raw_ws(server);
    let (fin, opcode, _) = read_ws_frame(&mut s);
    assert_eq!((fin, opcode), (false, 2), "a fragmented frame begins");
    s
}

/// A peer that asks for a frame and then closes (or breaks the protocol)
/// while a large frame is being sent gets the Close, and no new message
/// is begun for the request: the conversation is over (RFC 6455 §5.4,
/// §5.5.1).
#[test]
fn a_close_after_a_request_mid_frame_is_answered_and_ends_the_frame() {
    let server = Server::start("close-mid-frame");
    for (last, want) in [
        (masked(8, &1000u16.to_be_bytes()), 1000),
        // A client frame without its mask: a protocol error.
        (vec![0x81, 2, b'h', b'i'], 1002),
    ] {
        let mut s = large_frame_begun(&server);
        let mut bytes = masked(1, b"resend");
        bytes.extend_from_slice(&last);
        s.write_all(&bytes).expect("request, then the end");
        let (opcodes, code) = frames_until_close(&mut s);
        assert_eq!(
            code,
            Some(want),
            "the Close (frames before it: {opcodes:?})"
        );
        assert!(
            opcodes.iter().all(|&op| op == 0),
            "only the rest of the frame before the Close: {opcodes:?}"
        );
    }
}

/// Text messages that arrive while a frame is being sent are answered
/// with one frame after it, not one each (50 requests of 6 bytes would
/// otherwise buy 50 frames of 4 MiB).
#[test]
fn requests_during_a_frame_get_one_frame_after_it() {
    let server = Server::start("coalesce");
    let mut s = large_frame_begun(&server);
    let requests: Vec<u8> = (0..50).flat_map(|_| masked(1, b"resend")).collect();
    s.write_all(&requests).expect("requests");
    // The rest of the first frame, then whatever the requests bring.
    let frames = frames_until_quiet(&mut s, Duration::from_secs(3));
    assert!(
        frames.iter().all(|&(_, op)| op == 0 || op == 2),
        "{frames:?}"
    );
    let messages = frames.iter().filter(|&&(fin, _)| fin).count();
    // The first frame, and one or two more: the requests read during it
    // (or, if the server had written it all before they came, the first
    // request and those read during its answer).
    assert!(
        (2..=3).contains(&messages),
        "{messages} messages for 50 requests"
    );
}

/// Only a pong that echoes the ping keeps a WebSocket open: a peer that
/// reads nothing but sends unsolicited pongs (or text) is closed with 1001
/// one interval after an unanswered ping, like a silent one.
#[test]
fn unsolicited_pongs_do_not_keep_a_websocket_open() {
    let server = Server::start_with("pongs", &["--ping-interval", "1"]);
    let (status, body) = server.post_json("/set_array", "[[1, 2], [3, 4]]");
    assert_eq!(status, 200, "{body}");
    let mut s = raw_ws(&server);
    // 4 s of pongs and requests, reading nothing.
    for i in 0..16 {
        let frame = if i % 2 == 0 {
            masked(10, b"")
        } else {
            masked(1, b"resend")
        };
        if s.write_all(&frame).is_err() {
            break; // closed already
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    s.set_read_timeout(Some(Duration::from_secs(3))).ok();
    let mut pings = Vec::new();
    let mut code = None;
    let mut buf = [0u8; 1];
    while matches!(s.peek(&mut buf), Ok(n) if n > 0) {
        let (_, opcode, payload) = read_ws_frame(&mut s);
        match opcode {
            9 => pings.push(payload),
            8 => {
                code = payload.get(..2).map(|c| u16::from_be_bytes([c[0], c[1]]));
                break;
            }
            _ => {}
        }
    }
    assert_eq!(code, Some(1001), "closed as going away (pings: {pings:?})");
    assert!(!pings.is_empty(), "pinged first");
    assert!(pings.iter().all(|p| p.len() == 8), "{pings:?}");
}

/// Sends SIGINT (Ctrl-C) to the server.
fn interrupt(server: &Server) {
    let pid = server.child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
}

/// On Ctrl-C (SIGINT) the server closes each WebSocket with 1001 before
/// it exits, so pages can say it went away.
#[test]
fn websockets_are_closed_with_1001_on_shutdown() {
    let mut server = Server::start("shutdown");
    let mut s = raw_ws(&server);
    s.set_read_timeout(Some(Duration::from_secs(5))).ok();
    interrupt(&server);
    let (_, code) = frames_until_close(&mut s);
    assert_eq!(code, Some(1001));
    let status = server.child.wait().expect("the server exits");
    assert!(status.success(), "{status:?}");
}

/// Requests that arrive while a small frame (sent whole) goes out are
/// merged too: 200 requests in one write get far fewer frames.
#[test]
fn requests_during_a_small_frame_are_merged() {
    let server = Server::start("coalesce-small");
    let (status, body) = server.post_json("/set_array", "[[1, 2], [3, 4]]");
    assert_eq!(status, 200, "{body}");
    let mut s = raw_ws(&server);
    let (fin, opcode, _) = read_ws_frame(&mut s);
    assert_eq!((fin, opcode), (true, 2), "the first frame, whole");
    let requests: Vec<u8> = (0..200).flat_map(|_| masked(1, b"resend")).collect();
    s.write_all(&requests).expect("requests");
    let frames = frames_until_quiet(&mut s, Duration::from_secs(2));
    assert!(frames.iter().all(|&f| f == (true, 2)), "{frames:?}");
    let frames = frames.len();
    // At least one answer; at most one per 16 requests read after a frame
    // (and one for the first request), not one each.
    assert!(
        (1..=20).contains(&frames),
        "{frames} frames for 200 requests"
    );
}

/// After its Close for an oversized message, the server reads what the
/// peer still sends (up to a second and 4 MiB) instead of dropping the
/// connection with unread data, which makes the kernel send a reset that
/// destroys the Close before a peer that was not reading at once sees it.
#[test]
fn a_close_is_not_lost_to_a_reset() {
    let server = Server::start("linger");
    let mut s = raw_ws(&server);
    // A 2 MB binary message: refused (1009) from its header on.
    let payload = vec![7u8; 2_000_000];
    let key = [1u8, 2, 3, 4];
    let mut msg = vec![0x82, 0x80 | 127];
    msg.extend_from_slice(&(payload.len() as u64).to_be_bytes());
    msg.extend_from_slice(&key);
    msg.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    s.write_all(&msg).expect("the message");
    std::thread::sleep(Duration::from_millis(300));
    let (_, code) = frames_until_close(&mut s);
    assert_eq!(code, Some(1009));
}

/// Ctrl-C while a large frame is being sent: the frame stops between two
/// fragments (not at its end) and the viewer gets Close 1001.
#[test]
fn shutdown_stops_a_frame_between_fragments() {
    let mut server = Server::start("shutdown-mid-frame");
    // 16 MiB: more than the socket buffers hold.
    let mut s = frame_begun(&server, 4096);
    interrupt(&server);
    let (frames, code) = fin_frames_until_close(&mut s);
    assert_eq!(code, Some(1001), "after {} fragments", frames.len());
    assert!(frames.iter().all(|&(op, _)| op == 0), "continuations only");
    assert!(
        frames.iter().all(|&(_, fin)| !fin),
        "the frame was cut short ({} of 256 fragments)",
        frames.len() + 1
    );
    let status = server.child.wait().expect("the server exits");
    assert!(status.success(), "{status:?}");
}
