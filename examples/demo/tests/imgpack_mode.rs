//! The demo server speaking imgpack's WebSocket protocol: any text message
//! asks for a frame, `POST /set_mode` switches the stream to imgpack's latest
//! layout (each frame decoded here with the Rust library), bad `/set_mode`
//! bodies are refused with the reason, and `/set_array` takes imgpack's
//! `{"data": [[...]]}` body. The connection limits are checked here too:
//! refused uploads read to their end, the send timeout, bounded waits for
//! the parse slot, and pings that find WebSocket peers gone silent.
//!
//! Each test starts the built demo binary on a free loopback port with an
//! empty image folder, and talks to it over HTTP/1.1 (by hand, below) and
//! a WebSocket (tokio-tungstenite).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use framewire::imgpack::{self, Dtype, Endianness};
use framewire::vcbn;
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

/// A demo server, stopped (and its folder removed) on drop.
struct Server {
    child: Child,
    addr: String,
    dir: PathBuf,
}

impl Server {
    fn start(name: &str) -> Server {
        Server::start_with(name, &[])
    }

    /// [`Server::start`] with more command-line options.
    fn start_with(name: &str, options: &[&str]) -> Server {
        let dir = std::env::temp_dir().join(format!("fw-demo-test-{name}-{}", std::process::id()));
        let images = dir.join("images");
        std::fs::create_dir_all(&images).expect("temp dir");
        let mut child = Command::new(env!("CARGO_BIN_EXE_framewire-demo"))
            .args(["--port", "0", "--images"])
            .arg(&images)
            .args(options)
            .env("TMPDIR", &dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the demo starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("a line");
        let addr = line
            .strip_prefix("framewire demo: serving http://")
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Server { child, addr, dir }
    }

    /// One request on its own connection: `(status, body)`. The server may
    /// answer (and close) before the whole body is written.
    fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, String) {
        let (_written, status, body) = self.upload(method, path, headers, body);
        (status, body)
    }

    /// [`Server::request`], and whether the whole body could be written
    /// (the server had not closed the connection under it) before the
    /// answer is read.
    fn upload(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (std::io::Result<()>, u16, String) {
        let mut s = TcpStream::connect(&self.addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(20))).ok();
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.addr
        );
        if !headers.iter().any(|(k, _)| {
            k.eq_ignore_ascii_case("content-length") || k.eq_ignore_ascii_case("transfer-encoding")
        }) {
            req.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        s.write_all(req.as_bytes()).expect("write");
        let written = s.write_all(body);
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        let text = String::from_utf8_lossy(&out).into_owned();
        let status = text
            .get(9..12)
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("no status line in {text:?}"));
        let body = text
            .split_once("\r\n\r\n")
            .map_or("", |(_, b)| b)
            .to_owned();
        (written, status, body)
    }

    fn post_json(&self, path: &str, body: &str) -> (u16, String) {
        self.request(
            "POST",
            path,
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        )
    }

    fn state(&self) -> serde_json::Value {
        let (status, body) = self.request("GET", "/api/state", &[], b"");
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).expect("state JSON")
    }

    async fn ws(&self) -> Ws {
        let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", self.addr))
            .await
            .expect("WebSocket");
        ws
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next binary message within `wait`, `None` if none came.
async fn frame_within(ws: &mut Ws, wait: Duration) -> Option<Vec<u8>> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => return None,
            Ok(Some(Ok(Message::Binary(b)))) => return Some(b.to_vec()),
            Ok(Some(Ok(_))) => continue,
            Ok(other) => panic!("the WebSocket ended: {other:?}"),
        }
    }
}

/// Frames until one satisfies `ok` (within 5 s).
async fn frame_where(ws: &mut Ws, ok: impl Fn(&[u8]) -> bool) -> Vec<u8> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let f = frame_within(ws, left)
            .await
            .expect("a matching frame within 5 s");
        if ok(&f) {
            return f;
        }
    }
}

/// Samples whose 12-bit level over [0, 1] is exactly `k`: (k + 0.5) / 4095.
fn samples_for(levels: &[u32]) -> Vec<f64> {
    levels
        .iter()
        .map(|&k| (f64::from(k) + 0.5) / 4095.0)
        .collect()
}

fn data_body(h: usize, w: usize, v: &[f64]) -> String {
    let rows: Vec<String> = v
        .chunks(w)
        .take(h)
        .map(|r| {
            format!(
                "[{}]",
                r.iter()
                    .map(|x| format!("{x:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect();
    format!("{{\"data\": [{}]}}", rows.join(", "))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_text_message_gets_the_current_frame() {
    let server = Server::start("text");
    // A fixed array: no new frames are published, so each one that
    // arrives is an answer.
    let (status, body) = server.post_json("/set_array?vmin=0&vmax=3", "[[0, 1], [2, 3]]");
    assert_eq!(status, 200, "{body}");
    let mut ws = server.ws().await;
    let first = frame_within(&mut ws, Duration::from_secs(5))
        .await
        .expect("the first frame");
    assert!(vcbn::decode(&first).is_ok());
    assert!(
        frame_within(&mut ws, Duration::from_millis(400))
            .await
            .is_none(),
        "no frame unasked"
    );
    for text in ["send", "resend", "anything at all", ""] {
        ws.send(Message::text(text)).await.expect("send");
        let again = frame_within(&mut ws, Duration::from_secs(3))
            .await
            .unwrap_or_else(|| panic!("no frame for the text message {text:?}"));
        assert_eq!(again, first, "{text:?}");
    }
    // A binary message asks for nothing.
    ws.send(Message::binary(vec![1u8, 2, 3]))
        .await
        .expect("send");
    assert!(frame_within(&mut ws, Duration::from_millis(400))
        .await
        .is_none());
    // The message cap (1 KiB) still holds: a longer message ends the connection.
    ws.send(Message::text("x".repeat(2048)))
        .await
        .expect("send");
    let end = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match ws.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return true,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert_eq!(end, Ok(true), "the connection ends after a 2 KiB message");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_mode_switches_the_stream_to_imgpack() {
    let server = Server::start("mode");
    assert_eq!(server.state()["format"], "vcbn");
    let levels: Vec<u32> = vec![0, 1, 2047, 2048, 4094, 4095];
    let body = data_body(2, 3, &samples_for(&levels));
    let (status, text) = server.post_json("/set_array?vmin=0&vmax=1", &body);
    assert_eq!(status, 200, "{text}");
    let mut ws = server.ws().await;
    let first = frame_within(&mut ws, Duration::from_secs(5))
        .await
        .expect("first frame");
    assert!(vcbn::decode(&first).is_ok(), "VCBN before /set_mode");

    // The posted array is re-encoded at once in the new layout.
    let (status, text) = server.post_json("/set_mode", r#"{"dtype":"packed","bits":12}"#);
    assert_eq!(status, 200, "{text}");
    let state: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(
        (
            &state["format"],
            &state["dtype"],
            &state["bits"],
            &state["endianness"],
            &state["mode"]
        ),
        (
            &"imgpack".into(),
            &"packed".into(),
            &12.into(),
            &serde_json::Value::Null,
            &"fixed".into()
        )
    );
    let bytes = frame_where(&mut ws, |b| imgpack::decode(b).is_ok()).await;
    let f = imgpack::decode(&bytes).expect("imgpack");
    assert_eq!(f.header().dtype(), Dtype::Packed);
    assert_eq!(f.header().bits(), Some(12));
    assert_eq!(f.header().endianness(), None);
    assert_eq!(f.header().shape().to_array(), [2, 3]);
    assert_eq!(
        f.data().levels().expect("levels").collect::<Vec<_>>(),
        levels
    );
    assert_eq!(
        bytes.len(),
        f.header().blob_offset() as usize + 9,
        "6 levels of 12 bits in 9 bytes"
    );
    assert!(f.json().starts_with(
        r#"{"format":"imgpack","version":1,"dtype":"packed","endianness":null,"shape":[2,3]"#
    ));
    // A text message asks for it again, in the same layout.
    ws.send(Message::text("send")).await.expect("send");
    assert_eq!(
        frame_within(&mut ws, Duration::from_secs(3))
            .await
            .as_deref(),
        Some(&bytes[..])
    );

    // The animation, then each dtype with its params.
    let (status, _) = server.post_json("/animate", "");
    assert_eq!(status, 200);
    let anim = frame_where(&mut ws, |b| {
        imgpack::decode(b).is_ok_and(|f| f.header().shape().to_array() == [144, 256])
    })
    .await;
    assert_eq!(imgpack::decode(&anim).unwrap().header().bits(), Some(12));
    for (body, dtype, bits, endianness) in [
        (
            r#"{"dtype":"packed","bits":1}"#,
            Dtype::Packed,
            Some(1),
            None,
        ),
        (
            r#"{"dtype":"packed","bits":31}"#,
            Dtype::Packed,
            Some(31),
            None,
        ),
        (
            r#"{"dtype":"packed","bits":32}"#,
            Dtype::Packed,
            Some(32),
            None,
        ),
        (
            r#"{"dtype":"uint8","bits":5}"#,
            Dtype::U8,
            Some(5),
            Some(Endianness::Little),
        ),
        (
            r#"{"dtype":"uint16","bits":16,"endianness":"BE"}"#,
            Dtype::U16,
            Some(16),
            Some(Endianness::Big),
        ),
        (
            r#"{"dtype":"uint32","bits":32}"#,
            Dtype::U32,
            Some(32),
            Some(Endianness::Little),
        ),
        (
            r#"{"dtype":"uint32"}"#,
            Dtype::U32,
            Some(12),
            Some(Endianness::Little),
        ),
        (
            r#"{"dtype":"float16"}"#,
            Dtype::F16,
            None,
            Some(Endianness::Little),
        ),
        (
            r#"{"dtype":"float32","endianness":"BE","bits":null}"#,
            Dtype::F32,
            None,
            Some(Endianness::Big),
        ),
        (
            r#"{"dtype":"float64"}"#,
            Dtype::F64,
            None,
            Some(Endianness::Little),
        ),
    ] {
        let (status, text) = server.post_json("/set_mode", body);
        assert_eq!(status, 200, "{body}: {text}");
        let bytes = frame_where(&mut ws, |b| {
            imgpack::decode(b).is_ok_and(|f| {
                let h = f.header();
                (h.dtype(), h.bits(), h.endianness()) == (dtype, bits, endianness)
            })
        })
        .await;
        let f = imgpack::decode(&bytes).unwrap();
        assert_eq!(f.header().shape().to_array(), [144, 256], "{body}");
        assert_eq!(f.data().len(), 144 * 256);
        // The pattern stays within 0..1: floats there, levels up to the top.
        if dtype.is_float() {
            let mut v = vec![0f32; 144 * 256];
            f.data().copy_floats_to_f32(&mut v).unwrap();
            assert!(v.iter().all(|x| (0.0..=1.0).contains(x)), "{body}");
        } else {
            let b = bits.unwrap();
            let top = if b >= 25 { 1u64 << b } else { (1u64 << b) - 1 };
            let max = f.data().levels().unwrap().max().unwrap();
            // (At 1 bit only a sample of exactly vmax is level 1.)
            assert!(
                u64::from(max) <= top && (b == 1 || max > 0),
                "{body}: max level {max}"
            );
        }
        let state = server.state();
        assert_eq!(state["format"], "imgpack", "{body}");
        assert_eq!(state["dtype"], dtype.name(), "{body}");
    }
    // And back to VCBN.
    let (status, text) = server.post_json("/set_mode", r#"{"format":"vcbn"}"#);
    assert_eq!(status, 200, "{text}");
    frame_where(&mut ws, |b| vcbn::decode(b).is_ok()).await;
    assert_eq!(server.state()["format"], "vcbn");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_set_mode_requests_get_4xx_with_the_reason() {
    let server = Server::start("bad");
    let json = [("Content-Type", "application/json")];
    for (body, reason) in [
        (
            r#"{"dtype":"int8","bits":8}"#,
            "unknown dtype \"int8\": expected \"packed\", \"uint8\"",
        ),
        (
            r#"{"dtype":"uint8","bits":9}"#,
            "bits 9 does not fit the dtype uint8: expected an integer from 1 to 8",
        ),
        (
            r#"{"dtype":"uint16","bits":17}"#,
            "bits 17 does not fit the dtype uint16: expected an integer from 1 to 16",
        ),
        (
            r#"{"dtype":"packed","bits":33}"#,
            "bits 33 does not fit the dtype packed: expected an integer from 1 to 32",
        ),
        (
            r#"{"dtype":"uint32","bits":0}"#,
            "bits 0 does not fit the dtype uint32",
        ),
        (
            r#"{"dtype":"packed","bits":-1}"#,
            "bits -1 does not fit the dtype packed",
        ),
        (
            r#"{"dtype":"packed","bits":"12"}"#,
            "bits \"12\" does not fit the dtype packed",
        ),
        (
            r#"{"dtype":"float32","bits":12}"#,
            "\"bits\" is for the n-bit dtypes; float32 has none",
        ),
        (
            r#"{"dtype":"uint16","endianness":"le"}"#,
            "\"endianness\" must be \"LE\" or \"BE\"",
        ),
        (r#"{"bits":12}"#, "\"dtype\" is required"),
        (
            r#"{"dtype":"packed","bits":12,"vmin":0}"#,
            "unknown key \"vmin\"",
        ),
        (
            r#"{"format":"png"}"#,
            "\"format\" must be \"imgpack\" or \"vcbn\"",
        ),
        (r#"{"dtype":"packed""#, "the body is not valid JSON"),
        ("[\"packed\", 12]", "the body must be a JSON object"),
        ("", "empty body"),
    ] {
        let (status, text) = server.request("POST", "/set_mode", &json, body.as_bytes());
        assert_eq!(status, 400, "{body}: {text}");
        assert!(text.starts_with(reason), "{body}: {text:?}");
    }
    // Content types a form (or another site's page, without asking) can send.
    for ct in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
    ] {
        let headers: Vec<(&str, &str)> = ct.map(|c| ("Content-Type", c)).into_iter().collect();
        let (status, text) = server.request(
            "POST",
            "/set_mode",
            &headers,
            br#"{"dtype":"packed","bits":12}"#,
        );
        assert_eq!(status, 415, "{ct:?}: {text}");
        assert_eq!(text, "send Content-Type: application/json\n");
    }
    // Another site's page.
    let evil = [
        ("Content-Type", "application/json"),
        ("Origin", "http://evil.example"),
    ];
    let (status, text) = server.request(
        "POST",
        "/set_mode",
        &evil,
        br#"{"dtype":"packed","bits":12}"#,
    );
    assert_eq!(
        (status, text.as_str()),
        (403, "cross-origin requests are refused\n")
    );
    // Body limits: 1 KiB, by its announced length or by what arrives.
    let padded = format!("{{\"dtype\":\"packed\",\"bits\":12{}}}", " ".repeat(1100));
    let (status, text) = server.request("POST", "/set_mode", &json, padded.as_bytes());
    assert_eq!(status, 413, "{text}");
    assert!(text.contains("1024 bytes"), "{text}");
    let announced = [
        ("Content-Type", "application/json"),
        ("Content-Length", "1048576"),
    ];
    let (status, _) = server.request("POST", "/set_mode", &announced, b"");
    assert_eq!(status, 413);
    let (status, _) = server.request("GET", "/set_mode", &[], b"");
    assert_eq!(status, 405);
    // Nothing refused changed the stream.
    assert_eq!(server.state()["format"], "vcbn");
    // The same page's own origin is fine.
    let own = format!("http://{}", server.addr);
    let same = [
        ("Content-Type", "application/json; charset=utf-8"),
        ("Origin", own.as_str()),
    ];
    let (status, text) = server.request(
        "POST",
        "/set_mode",
        &same,
        br#"{"dtype":"uint16","bits":10}"#,
    );
    assert_eq!(status, 200, "{text}");
    assert_eq!(server.state()["bits"], 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_array_takes_imgpacks_data_body() {
    let server = Server::start("data");
    let (status, text) = server.post_json(
        "/set_array?vmin=0&vmax=1",
        r#"{"data": [[0.0, 0.5], [1.0, null]]}"#,
    );
    assert_eq!(status, 200, "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(v["header"]["shape"], serde_json::json!([2, 2]));
    assert_eq!(v["state"]["mode"], "fixed");
    for (body, reason) in [
        (
            r#"{"data": [[1, 2], [3]]}"#,
            "ragged rows: row 1 has 1 values but row 0 has 2",
        ),
        (r#"{"values": [[1]]}"#, "expected the key \"data\""),
        (
            r#"{"data": [[1]], "vmin": 0}"#,
            "expected '}' (the object holds only \"data\")",
        ),
        (r#"{"data": [[1]]"#, "unexpected end of input"),
    ] {
        let (status, text) = server.post_json("/set_array", body);
        assert_eq!(status, 400, "{body}: {text}");
        assert!(text.contains(reason), "{body}: {text:?}");
    }
    // In imgpack's layout, the posted array comes out in it; ?dtype= (the
    // VCBN dtype) is refused rather than ignored.
    let (status, _) = server.post_json(
        "/set_mode",
        r#"{"dtype":"uint16","bits":16,"endianness":"BE"}"#,
    );
    assert_eq!(status, 200);
    let mut ws = server.ws().await;
    let bytes = frame_where(&mut ws, |b| imgpack::decode(b).is_ok()).await;
    let f = imgpack::decode(&bytes).unwrap();
    assert_eq!(
        f.data().levels().unwrap().collect::<Vec<_>>(),
        [0, 32767, 65535, 0]
    );
    let (status, text) = server.post_json("/set_array?vmin=0&vmax=2", r#"{"data": [[2.0, 1.0]]}"#);
    assert_eq!(status, 200, "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(v["header"]["format"], "imgpack");
    assert_eq!(v["header"]["endianness"], "BE");
    let bytes = frame_where(&mut ws, |b| {
        imgpack::decode(b).is_ok_and(|f| f.data().len() == 2)
    })
    .await;
    let f = imgpack::decode(&bytes).unwrap();
    assert_eq!(
        f.data().levels().unwrap().collect::<Vec<_>>(),
        [65535, 32767]
    );
    let (status, text) = server.post_json("/set_array?dtype=uint8", "[[1]]");
    assert_eq!(status, 400);
    assert!(text.contains("POST /set_mode sets its dtype"), "{text}");
}

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
