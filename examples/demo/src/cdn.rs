//! `/i/<name>`: a folder of images and their `.sac` companions, served the
//! way SAC v1 asks a CDN origin to serve them.
//!
//! - `Cache-Control: public, max-age=31536000, immutable`;
//! - a strong `ETag` per representation (SHA-256 of the bytes sent, cached by
//!   path, size and mtime), `If-None-Match` answered with `304`;
//! - byte ranges (`206`, `Content-Range`), with `If-Range` honoured;
//! - precompressed `<name>.br` / `<name>.gz` chosen by `Accept-Encoding`,
//!   with `Vary: Accept-Encoding`;
//! - `Last-Modified` / `If-Modified-Since` (when no `If-None-Match` is sent);
//! - CORS for any origin (GET, HEAD), exposing the headers above.
//!
//! tower-http's `ServeFile` does the file work (ranges, precompressed
//! variants, Last-Modified); this module adds what it lacks: ETags and their
//! conditionals, `If-Range`, and the cache headers.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use axum::body::Body;
use axum::extract::{Path as UrlPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sha2::{Digest, Sha256};
use tower::ServiceExt;
use tower_http::cors::{Any, CorsLayer};
use tower_http::services::ServeFile;

/// What `/i/*` responses carry: the files never change under their name.
pub const CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

/// A cached ETag: the file's size and mtime when it was computed, and the tag.
type CachedTag = (u64, Option<SystemTime>, String);

/// The image folder and its ETag cache.
pub struct Cdn {
    root: PathBuf,
    etags: Mutex<HashMap<PathBuf, CachedTag>>,
}

impl Cdn {
    pub fn new(root: PathBuf) -> Cdn {
        Cdn {
            root,
            etags: Mutex::new(HashMap::new()),
        }
    }

    /// The strong ETag of the file at `path`: the first 128 bits of its
    /// SHA-256, recomputed only when its size or mtime changes.
    async fn etag(self: &Arc<Self>, path: PathBuf) -> Option<String> {
        let meta = tokio::fs::metadata(&path).await.ok()?;
        let (len, mtime) = (meta.len(), meta.modified().ok());
        {
            let cache = self.etags.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((l, m, tag)) = cache.get(&path) {
                if *l == len && *m == mtime {
                    return Some(tag.clone());
                }
            }
        }
        let p = path.clone();
        let tag = tokio::task::spawn_blocking(move || -> Option<String> {
            let bytes = std::fs::read(&p).ok()?;
            let digest = Sha256::digest(&bytes);
            let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
            Some(format!("\"{hex}\""))
        })
        .await
        .ok()??;
        self.etags
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(path, (len, mtime, tag.clone()));
        Some(tag)
    }

    /// The images in the folder, as JSON: `[{"name", "url", "sac"}]`.
    fn list(&self) -> String {
        let mut names: Vec<String> = std::fs::read_dir(&self.root)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .filter_map(|e| e.file_name().into_string().ok())
                    .filter(|n| safe_name(n) && is_image(n))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        let items: Vec<String> = names
            .iter()
            .map(|n| {
                let q = |s: String| serde_json::to_string(&s).unwrap_or_default();
                format!(
                    "{{\"name\":{},\"url\":{},\"sac\":{}}}",
                    q(n.clone()),
                    q(format!("/i/{n}")),
                    q(format!("/i/{n}.sac"))
                )
            })
            .collect();
        format!("[{}]", items.join(","))
    }
}

fn is_image(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".png", ".jpg", ".jpeg", ".gif", ".webp"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

/// A flat file name of `[A-Za-z0-9._-]`, not hidden: nothing else is served.
fn safe_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The routes of the image folder, with CORS.
pub fn routes(cdn: Arc<Cdn>) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::HEAD])
        .allow_headers(Any)
        .expose_headers([
            header::ETAG,
            header::CONTENT_LENGTH,
            header::CONTENT_RANGE,
            header::CONTENT_ENCODING,
            header::ACCEPT_RANGES,
            header::LAST_MODIFIED,
        ])
        .max_age(std::time::Duration::from_secs(86400));
    Router::new()
        .route("/i/{name}", get(serve))
        .route(
            "/api/images",
            get(|State(cdn): State<Arc<Cdn>>| async move {
                ([(header::CONTENT_TYPE, "application/json")], cdn.list())
            }),
        )
        .layer(cors)
        .with_state(cdn)
}

/// The entity tags of an `If-None-Match` / `If-Range` value (`*` is `["*"]`).
fn entity_tags(value: &str) -> Vec<&str> {
    let mut tags = Vec::new();
    let mut rest = value.trim();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('*') {
            tags.push("*");
            rest = r;
        } else {
            let start = rest.len() - rest.trim_start_matches("W/").len();
            let body = &rest[start..];
            let Some(inner) = body.strip_prefix('"') else {
                break;
            };
            let Some(close) = inner.find('"') else {
                break;
            };
            let end = start + close + 2;
            tags.push(&rest[..end]);
            rest = &rest[end..];
        }
        rest = rest.trim_start().trim_start_matches(',').trim_start();
    }
    tags
}

/// Weak comparison (If-None-Match): equal once any `W/` is dropped.
fn weak_match(header: &str, etag: &str) -> bool {
    entity_tags(header)
        .iter()
        .any(|t| *t == "*" || t.trim_start_matches("W/") == etag)
}

/// Strong comparison (If-Range): a strong tag, byte-equal.
fn strong_match(header: &str, etag: &str) -> bool {
    matches!(entity_tags(header).as_slice(), [t] if *t == etag)
}

/// A copy of `req`'s method, URI and headers, with an empty body.
fn copy_request(parts: &axum::http::request::Parts, headers: HeaderMap) -> Request {
    let mut req = Request::new(Body::empty());
    *req.method_mut() = parts.method.clone();
    *req.uri_mut() = parts.uri.clone();
    *req.headers_mut() = headers;
    req
}

fn serve_file(path: &Path) -> ServeFile {
    ServeFile::new(path).precompressed_br().precompressed_gzip()
}

async fn serve(
    State(cdn): State<Arc<Cdn>>,
    UrlPath(name): UrlPath<String>,
    req: Request,
) -> Response {
    if !safe_name(&name) {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    }
    let path = cdn.root.join(&name);
    let (parts, _body) = req.into_parts();

    // 1. Which representation would be sent? A HEAD with the same
    //    Accept-Encoding and nothing else tells (metadata only).
    let mut probe_headers = HeaderMap::new();
    if let Some(ae) = parts.headers.get(header::ACCEPT_ENCODING) {
        probe_headers.insert(header::ACCEPT_ENCODING, ae.clone());
    }
    let mut probe = copy_request(&parts, probe_headers);
    *probe.method_mut() = Method::HEAD;
    let Ok(probe) = serve_file(&path).oneshot(probe).await;
    if probe.status() != StatusCode::OK {
        let Ok(resp) = serve_file(&path)
            .oneshot(copy_request(&parts, parts.headers.clone()))
            .await;
        return resp.map(Body::new);
    }
    let suffix = match probe
        .headers()
        .get(header::CONTENT_ENCODING)
        .map(HeaderValue::as_bytes)
    {
        Some(b"br") => ".br",
        Some(b"gzip") => ".gz",
        _ => "",
    };
    let mut file = path.clone().into_os_string();
    file.push(suffix);
    let etag = cdn.etag(PathBuf::from(file)).await;
    let last_modified = probe.headers().get(header::LAST_MODIFIED).cloned();

    let cache_headers = |h: &mut HeaderMap| {
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(CACHE_CONTROL),
        );
        h.append(header::VARY, HeaderValue::from_static("accept-encoding"));
        if let Some(tag) = etag.as_deref().and_then(|t| HeaderValue::from_str(t).ok()) {
            h.insert(header::ETAG, tag);
        }
    };

    let mut headers = parts.headers.clone();
    if let Some(tag) = etag.as_deref() {
        // 2. If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
        if let Some(inm) = headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
        {
            if weak_match(inm, tag) {
                let mut resp = StatusCode::NOT_MODIFIED.into_response();
                cache_headers(resp.headers_mut());
                if let Some(lm) = last_modified {
                    resp.headers_mut().insert(header::LAST_MODIFIED, lm);
                }
                return resp;
            }
            headers.remove(header::IF_MODIFIED_SINCE);
        }
        // 3. If-Range: the range only if the validator still matches.
        if let Some(ir) = headers.remove(header::IF_RANGE) {
            let ir = ir.to_str().unwrap_or("");
            let still = if ir.trim_start().starts_with('"') || ir.trim_start().starts_with("W/") {
                strong_match(ir, tag)
            } else {
                last_modified
                    .as_ref()
                    .is_some_and(|lm| lm.as_bytes() == ir.trim().as_bytes())
            };
            if !still {
                headers.remove(header::RANGE);
            }
        }
    }

    // 4. The file itself (ranges, encodings, Last-Modified).
    let Ok(resp) = serve_file(&path)
        .oneshot(copy_request(&parts, headers))
        .await;
    let mut resp = resp.map(Body::new);
    if matches!(
        resp.status(),
        StatusCode::OK | StatusCode::PARTIAL_CONTENT | StatusCode::NOT_MODIFIED
    ) {
        cache_headers(resp.headers_mut());
        if name.ends_with(".sac") {
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            );
        }
    }
    resp
}
