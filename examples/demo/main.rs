//! The framewire demo server: live VCBN frames over a WebSocket to a canvas,
//! and a folder of images served CDN-style with their SAC companions.
//!
//! ```text
//! cargo run --release --example demo [-- --port 8765 --host 127.0.0.1 --images DIR]
//! ```
//!
//! Then open <http://localhost:8765>. The port comes from `--port`, else the
//! `PORT` environment variable, else 8765.
//!
//! | route | what |
//! |---|---|
//! | `GET /` | the page (canvas, header, colormaps, SAC overlay) |
//! | `GET /framewire.js` | the browser decoders (ES module) |
//! | `GET /ws` | WebSocket: binary VCBN frames, ~30 per second; send `"resend"` for the current frame again |
//! | `POST /set_array` | a JSON 2-D list or an `.npy` body (`?vmin=&vmax=&dtype=uint8\|uint16`): shown until `POST /animate` |
//! | `POST /animate` | back to the animated pattern |
//! | `GET /api/state` | `{"mode":"animated"\|"fixed","seq":N}` |
//! | `GET /api/images` | the images in the folder |
//! | `GET /i/<name>` | the folder, with CDN headers (see `cdn.rs`) |
//!
//! Every frame is made by `framewire::vcbn::encode`; every `.sac` by
//! `framewire::sac::encode`.

mod cdn;
mod images;
mod live;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

const INDEX_HTML: &str = include_str!("static/index.html");
const APP_JS: &str = include_str!("static/app.js");
const FRAMEWIRE_JS: &str = include_str!("static/framewire.js");
const STYLE_CSS: &str = include_str!("static/style.css");

const DEFAULT_PORT: u16 = 8765;

/// Command-line options.
struct Options {
    host: String,
    port: u16,
    images: Option<PathBuf>,
}

const USAGE: &str = "usage: demo [--port N] [--host ADDR] [--images DIR]

  --port N      port to listen on (default: $PORT, else 8765)
  --host ADDR   address to bind (default: 127.0.0.1)
  --images DIR  serve this folder at /i/ (default: demo images generated
                into a folder under the system temp directory)";

fn parse_args() -> Result<Options, String> {
    let mut opts = Options {
        host: "127.0.0.1".to_owned(),
        port: match std::env::var("PORT") {
            Ok(p) => p
                .trim()
                .parse()
                .map_err(|_| format!("PORT={p:?} is not a port number"))?,
            Err(_) => DEFAULT_PORT,
        },
        images: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "--port" => {
                let v = value("--port")?;
                opts.port = v
                    .parse()
                    .map_err(|_| format!("--port {v:?} is not a port number"))?;
            }
            "--host" => opts.host = value("--host")?,
            "--images" => opts.images = Some(PathBuf::from(value("--images")?)),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(opts)
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
    let opts = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("demo: {e}\n{USAGE}");
            return std::process::ExitCode::from(2);
        }
    };
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

    let live = live::Live::start();
    let cdn = Arc::new(cdn::Cdn::new(images.clone()));

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
            "/style.css",
            get(|| async { asset("text/css; charset=utf-8", STYLE_CSS) }),
        )
        .merge(live::routes(live))
        .merge(cdn::routes(cdn))
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found\n") });

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
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
}
