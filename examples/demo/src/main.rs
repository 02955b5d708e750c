//! The framewire demo server: live VCBN frames (or imgpack's latest layout)
//! over a WebSocket to a canvas, and a folder of images served CDN-style with their SAC companions.
//!
//! ```text
//! cargo run --release -p framewire-demo [-- --port 8765 --host 127.0.0.1 --images DIR]
//! ```
//!
//! Then open <http://localhost:8765>. The port comes from `--port`, else the
//! `PORT` environment variable, else 8765.
//!
//! | route | what |
//! |---|---|
//! | `GET /` | the page (canvas, header, colormaps, SAC overlay) |
//! | `GET /framewire.js`, `/imgpack.js`, `/json.js`, `/common.js` | the browser decoders (ES modules) |
//! | `GET /ws` | WebSocket: binary frames, ~30 per second; any text message (`"resend"`, imgpack's `"send"`) for the current frame again |
//! | `POST /set_array` | a JSON 2-D list (or `{"data": [[...]]}`) or an `.npy` body (`?vmin=&vmax=&dtype=uint8\|uint16`): shown until `POST /animate` |
//! | `POST /set_mode` | `{"dtype":"packed","bits":12}`: frames in imgpack's latest layout from now on; `{"format":"vcbn"}` back (see `mode.rs`) |
//! | `POST /animate` | back to the animated pattern |
//! | `GET /api/state` | `{"mode":"animated"\|"fixed","seq":N,"format":"vcbn"}`, or `"format":"imgpack","dtype":...,"bits":...,"endianness":...` |
//! | `GET /api/images` | the images in the folder |
//! | `GET /i/<name>` | the folder, with CDN headers (see `cdn.rs`) |
//!
//! Only `localhost`, `127.0.0.1` and `[::1]` are answered (more with
//! `--allow-host`); POSTs and the WebSocket upgrade from another site's page
//! are refused; see `server.rs` for the connection limits.
//!
//! Every frame is made by `framewire::vcbn::encode` or
//! `framewire::imgpack::encode_to_vec`; every `.sac` by
//! `framewire::sac::encode`.

mod array;
mod cdn;
mod images;
mod jsonarray;
mod live;
mod mode;
mod ranges;
mod server;
mod websocket;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

const INDEX_HTML: &str = include_str!("../static/index.html");
const APP_JS: &str = include_str!("../static/app.js");
const FRAMEWIRE_JS: &str = include_str!("../static/framewire.js");
const IMGPACK_JS: &str = include_str!("../static/imgpack.js");
const COMMON_JS: &str = include_str!("../static/common.js");
const JSON_JS: &str = include_str!("../static/json.js");
const STYLE_CSS: &str = include_str!("../static/style.css");

const DEFAULT_PORT: u16 = 8765;

/// The demo server: live VCBN frames over a WebSocket, and a folder of
/// images with their SAC companions served as a CDN origin would.
#[derive(clap::Parser, Debug)]
#[command(name = "demo")]
struct Options {
    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "PORT", default_value_t = DEFAULT_PORT)]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Serve this folder at /i/ (default: demo images generated into a
    /// folder under the system temp directory).
    #[arg(long, value_name = "DIR")]
    images: Option<PathBuf>,
    /// Also answer to this host name (repeatable; `*` for any). localhost,
    /// 127.0.0.1 and `[::1]` always are; others are refused, against DNS
    /// rebinding.
    #[arg(long = "allow-host", value_name = "NAME")]
    allow_hosts: Vec<String>,
    /// Follow symbolic links in the images folder that point out of it.
    #[arg(long)]
    follow_symlinks: bool,
    /// Hold at most this many connections (fewer if the open-file limit
    /// requires); the longest-idle one is closed to make room for a new one.
    #[arg(long, default_value_t = 4096, value_name = "N")]
    max_connections: usize,
    /// Seconds a client may take to send a request's headers.
    #[arg(long, default_value_t = server::HEADER_TIMEOUT.as_secs(), value_name = "SECS")]
    header_timeout: u64,
    /// Seconds a response (or WebSocket) write may wait for the client to
    /// read before the connection is closed (nginx's send_timeout).
    #[arg(long, default_value_t = server::SEND_TIMEOUT.as_secs(), value_name = "SECS")]
    send_timeout: u64,
    /// Seconds between pings on each WebSocket; a peer that has not echoed
    /// a ping one interval later is disconnected (Close 1001).
    #[arg(long, default_value_t = live::PING_INTERVAL.as_secs(), value_name = "SECS")]
    ping_interval: u64,
    /// MiB that superseded frames may hold while slow viewers are still
    /// being sent them: an array that would leave more is refused (503).
    /// Below a few tens of MiB, slow viewers of the animation alone can
    /// cause that.
    #[arg(long, default_value_t = live::MAX_HELD_FRAMES >> 20, value_name = "MIB")]
    max_held_frames_mib: usize,
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> std::process::ExitCode {
    // A usage error (or a PORT that is not a port, when --port is not
    // given) exits 2 with clap's message.
    let opts = <Options as clap::Parser>::parse();
    match serve(opts).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("demo: {e}");
            std::process::ExitCode::from(1)
        }
    }
}

async fn serve(opts: Options) -> Result<(), String> {
    let images = match opts.images {
        Some(dir) => {
            if !dir.is_dir() {
                return Err(format!("--images {}: not a directory", dir.display()));
            }
            dir
        }
        None => {
            let dir = std::env::temp_dir().join(images::DEFAULT_DIR_NAME);
            let d = dir.clone();
            tokio::task::spawn_blocking(move || images::ensure_demo_images(&d))
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| format!("generating demo images in {}: {e}", dir.display()))?;
            dir
        }
    };

    let live = live::Live::start(
        std::time::Duration::from_secs(opts.ping_interval.max(1)),
        opts.max_held_frames_mib.saturating_mul(1 << 20),
    );
    let cdn = Arc::new(
        cdn::Cdn::new(&images, opts.follow_symlinks)
            .map_err(|e| format!("--images {}: {e}", images.display()))?,
    );
    let guard = Arc::new(server::Guard::new(&opts.allow_hosts));

    let app = Router::new()
        .route(
            "/",
            get(|| async { asset("text/html; charset=utf-8", INDEX_HTML) }),
        )
        .route(
            "/app.js",
            get(|| async { asset("text/javascript; charset=utf-8", APP_JS) }),
        )
        .route(
            "/framewire.js",
            get(|| async { asset("text/javascript; charset=utf-8", FRAMEWIRE_JS) }),
        )
        .route(
            "/imgpack.js",
            get(|| async { asset("text/javascript; charset=utf-8", IMGPACK_JS) }),
        )
        .route(
            "/common.js",
            get(|| async { asset("text/javascript; charset=utf-8", COMMON_JS) }),
        )
        .route(
            "/json.js",
            get(|| async { asset("text/javascript; charset=utf-8", JSON_JS) }),
        )
        .route(
            "/style.css",
            get(|| async { asset("text/css; charset=utf-8", STYLE_CSS) }),
        )
        .merge(live::routes(live.clone()))
        .merge(cdn::routes(cdn))
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found\n") })
        .layer(axum::middleware::from_fn_with_state(guard, server::guard));

    let addr: SocketAddr = format!("{}:{}", opts.host, opts.port)
        .parse()
        .or_else(|_| format!("[{}]:{}", opts.host, opts.port).parse())
        .map_err(|_| format!("--host {:?} is not an IP address", opts.host))?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    println!(
        "framewire demo: serving http://{local}/ (images from {})",
        images.display()
    );
    let cap = server::connection_cap(opts.max_connections, live::MAX_SOCKETS);
    let header_timeout = std::time::Duration::from_secs(opts.header_timeout.max(1));
    let send_timeout = std::time::Duration::from_secs(opts.send_timeout.max(1));
    server::run(listener, app, cap, header_timeout, send_timeout, async {
        let _ = tokio::signal::ctrl_c().await;
        // Viewers are told the server is going away (their pages say so).
        live.close_all(std::time::Duration::from_secs(1)).await;
    })
    .await;
    Ok(())
}
