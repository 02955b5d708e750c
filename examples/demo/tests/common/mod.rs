//! What the demo's integration tests share: a demo server on a free
//! loopback port, spoken to over HTTP/1.1 (by hand) and a WebSocket
//! (tokio-tungstenite). Each test file uses part of it.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message;

/// A demo server, stopped (and its folder removed) on drop.
pub struct Server {
    pub child: Child,
    pub addr: String,
    dir: PathBuf,
}

impl Server {
    pub fn start(name: &str) -> Server {
        Server::start_with(name, &[])
    }

    /// [`Server::start`] with more command-line options.
    pub fn start_with(name: &str, options: &[&str]) -> Server {
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
    pub fn request(
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
    pub fn upload(
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

    pub fn post_json(&self, path: &str, body: &str) -> (u16, String) {
        self.request(
            "POST",
            path,
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        )
    }

    pub fn state(&self) -> serde_json::Value {
        let (status, body) = self.request("GET", "/api/state", &[], b"");
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).expect("state JSON")
    }

    pub async fn ws(&self) -> Ws {
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

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next binary message within `wait`, `None` if none came.
pub async fn frame_within(ws: &mut Ws, wait: Duration) -> Option<Vec<u8>> {
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
pub async fn frame_where(ws: &mut Ws, ok: impl Fn(&[u8]) -> bool) -> Vec<u8> {
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

/// A `.npy` file (version 1.0) of `u8` values, `h` rows of `w`.
pub fn npy_u8(h: usize, w: usize, values: &[u8]) -> Vec<u8> {
    assert_eq!(values.len(), h * w, "values for the shape");
    let mut header = format!("{{'descr': '|u1', 'fortran_order': False, 'shape': ({h}, {w}), }}");
    // Magic (6), version (2), length (2), header and its newline: a
    // multiple of 64.
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(
        &u16::try_from(header.len())
            .expect("short header")
            .to_le_bytes(),
    );
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(values);
    out
}
