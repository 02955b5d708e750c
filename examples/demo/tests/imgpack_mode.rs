//! The demo server speaking imgpack's WebSocket protocol: any text message
//! asks for a frame, `POST /set_mode` switches the stream to imgpack's latest
//! layout (each frame decoded here with the Rust library), bad `/set_mode`
//! bodies are refused with the reason, and `/set_array` takes imgpack's
//! `{"data": [[...]]}` body.
//!
//! Each test starts the built demo binary (`common::Server`).

mod common;

use std::time::Duration;

use common::{frame_where, frame_within, Server};
use framewire::imgpack::{self, Dtype, Endianness};
use framewire::vcbn;
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

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

/// A viewer's first frame is in the current format and mode even when no
/// one was watching as they changed (the animation draws nothing then):
/// after `/set_mode` an imgpack frame, after `/animate` an animation frame,
/// not the posted array's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_viewers_first_frame_follows_the_mode() {
    let server = Server::start("first-frame");
    let (status, text) = server.post_json("/set_mode", r#"{"dtype":"packed","bits":12}"#);
    assert_eq!(status, 200, "{text}");
    let mut ws = server.ws().await;
    let first = frame_within(&mut ws, Duration::from_secs(5))
        .await
        .expect("first frame");
    assert!(imgpack::decode(&first).is_ok(), "imgpack after /set_mode");
    drop(ws);
    let (status, text) = server.post_json("/set_mode", r#"{"format":"vcbn"}"#);
    assert_eq!(status, 200, "{text}");
    let (status, text) = server.post_json("/set_array", "[[1, 2], [3, 4]]");
    assert_eq!(status, 200, "{text}");
    let (status, text) = server.post_json("/animate", "{}");
    assert_eq!(status, 200, "{text}");
    // Let the last viewer's connection end, so none watches.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut ws = server.ws().await;
    let first = frame_within(&mut ws, Duration::from_secs(5))
        .await
        .expect("first frame");
    let frame = vcbn::decode(&first).expect("VCBN");
    assert_ne!(
        frame.header().shape().to_array(),
        [2, 2],
        "the animation, not the posted array"
    );
}
