//! `/i/<name>`: a folder of images and their `.sac` companions, served the
//! way SAC v1 asks a CDN origin to serve them.
//!
//! - only image files (`.png`, `.jpg`, `.jpeg`, `.gif`, `.webp`) and their
//!   `<image>.sac` companions, regular files only, not following symbolic
//!   links out of the folder (unless `--follow-symlinks`);
//! - `Cache-Control: public, max-age=31536000, immutable`;
//! - a strong `ETag` per representation (the first 128 bits of the SHA-256
//!   of its bytes), computed once per file version: the cache is keyed on
//!   device, inode, size, mtime and ctime, so any change to the bytes gives a
//!   new tag; concurrent first requests share one computation, which reads
//!   through a fixed buffer;
//! - `If-Match` (412), `If-Unmodified-Since`, `If-None-Match` (304, lists
//!   with malformed members), `If-Modified-Since`, in RFC 9110's order;
//! - one byte range (`206`, `Content-Range`; `416` when unsatisfiable), with
//!   `If-Range`; several ranges or another unit get the whole file (`200`);
//! - precompressed `<name>.br` / `<name>.gz` chosen by `Accept-Encoding`,
//!   with `Vary: Accept-Encoding`;
//! - CORS for any origin (GET, HEAD), exposing the headers above.
//!
//! Files up to [`SMALL`] bytes are kept in memory (at most [`CACHE_BYTES`] in
//! all) and served without opening them again while their version stands;
//! larger ones are streamed. Metadata is read on the async worker, as nginx
//! does: `lstat` on a local folder does not wait on anything that matters.

use std::collections::HashMap;
use std::io::Read as _;
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::{Path as UrlPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;
use tower_http::cors::{Any, CorsLayer};

use crate::ranges::{self, Ranged};

/// What `/i/*` responses carry: the files never change under their name.
pub const CACHE_CONTROL: &str = "public, max-age=31536000, immutable";
/// Files up to this size are held in memory once read.
pub const SMALL: u64 = 1024 * 1024;
/// The most bytes of small files held at once.
pub const CACHE_BYTES: usize = 64 * 1024 * 1024;
/// The most files whose tags are remembered.
const CACHE_FILES: usize = 4096;
/// The buffer a large file is hashed and streamed through.
const CHUNK: usize = 64 * 1024;

/// Identifies one version of a file: any write changes ctime (and a
/// replacement changes the inode), so a new version gets a new key.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Version {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Version {
    fn of(m: &std::fs::Metadata) -> Version {
        Version {
            dev: m.dev(),
            ino: m.ino(),
            size: m.size(),
            mtime: (m.mtime(), m.mtime_nsec()),
            ctime: (m.ctime(), m.ctime_nsec()),
        }
    }
}

/// A file version's tag, and its bytes if it is small.
#[derive(Clone)]
struct Loaded {
    etag: HeaderValue,
    bytes: Option<Bytes>,
}

type Slot = Arc<OnceCell<Option<Loaded>>>;

/// The image folder and its cache.
pub struct Cdn {
    root: PathBuf,
    follow_symlinks: bool,
    cache: Mutex<HashMap<PathBuf, (Version, Slot)>>,
    /// How many times a file has been read to compute its tag (a
    /// single-flight check for the tests).
    loads: AtomicU64,
}

/// A file that may be served: its path, metadata and version.
struct Found {
    path: PathBuf,
    meta: std::fs::Metadata,
    version: Version,
}

/// Opens `path` for reading without blocking on a FIFO, and checks that
/// what was opened is the regular file of `version`.
fn open_version(path: &Path, version: Version) -> std::io::Result<std::fs::File> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() || Version::of(&meta) != version {
        return Err(std::io::Error::other("the file changed"));
    }
    Ok(file)
}

fn hex_tag(digest: &[u8]) -> HeaderValue {
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    HeaderValue::from_str(&format!("\"{hex}\"")).unwrap_or(HeaderValue::from_static("\"\""))
}

/// Reads (small) or hashes (large) one file version, with a fixed buffer.
fn load(path: &Path, version: Version) -> Option<Loaded> {
    let mut file = open_version(path, version).ok()?;
    let mut hasher = Sha256::new();
    let bytes = if version.size <= SMALL {
        let mut buf = Vec::with_capacity(usize::try_from(version.size).ok()?);
        (&mut file).take(version.size).read_to_end(&mut buf).ok()?;
        hasher.update(&buf);
        Some(Bytes::from(buf))
    } else {
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = file.read(&mut buf).ok()?;
            if n == 0 {
                break;
            }
            hasher.update(buf.get(..n)?);
        }
        None
    };
    // Changed while it was read: no tag for a mixture of two versions.
    if Version::of(&file.metadata().ok()?) != version
        || std::fs::metadata(path).ok().map(|m| Version::of(&m)) != Some(version)
    {
        return None;
    }
    Some(Loaded {
        etag: hex_tag(&hasher.finalize()),
        bytes,
    })
}

impl Cdn {
    pub fn new(root: &Path, follow_symlinks: bool) -> std::io::Result<Cdn> {
        Ok(Cdn {
            root: std::fs::canonicalize(root)?,
            follow_symlinks,
            cache: Mutex::new(HashMap::new()),
            loads: AtomicU64::new(0),
        })
    }

    /// `<root>/<name>` if it may be served: a regular file, reached through
    /// no symbolic link out of the folder (unless allowed).
    fn find(&self, name: &str) -> Option<Found> {
        let path = self.root.join(name);
        let lmeta = std::fs::symlink_metadata(&path).ok()?;
        let meta = if lmeta.file_type().is_symlink() {
            if !self.follow_symlinks {
                let real = std::fs::canonicalize(&path).ok()?;
                if !real.starts_with(&self.root) {
                    return None;
                }
            }
            std::fs::metadata(&path).ok()?
        } else {
            lmeta
        };
        if !meta.is_file() {
            return None;
        }
        let version = Version::of(&meta);
        Some(Found {
            path,
            meta,
            version,
        })
    }

    /// The tag (and small bytes) of `found`, computed once per version.
    async fn loaded(&self, found: &Found) -> Option<Loaded> {
        let slot = {
            let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            match cache.get(&found.path) {
                Some((v, slot)) if *v == found.version => slot.clone(),
                _ => {
                    if cache.len() >= CACHE_FILES || self.cached_bytes(&cache) >= CACHE_BYTES {
                        cache.clear();
                    }
                    let slot = Slot::default();
                    cache.insert(found.path.clone(), (found.version, slot.clone()));
                    slot
                }
            }
        };
        let (path, version) = (found.path.clone(), found.version);
        slot.get_or_init(|| async move {
            self.loads.fetch_add(1, Ordering::Relaxed);
            tokio::task::spawn_blocking(move || load(&path, version))
                .await
                .ok()
                .flatten()
        })
        .await
        .clone()
    }

    fn cached_bytes(&self, cache: &HashMap<PathBuf, (Version, Slot)>) -> usize {
        cache
            .values()
            .filter_map(|(_, s)| s.get().and_then(Option::as_ref))
            .filter_map(|l| l.bytes.as_ref().map(Bytes::len))
            .sum()
    }

    /// The images in the folder, as JSON: `[{"name", "url", "sac"}]`.
    fn list(&self) -> String {
        let mut names: Vec<String> = std::fs::read_dir(&self.root)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .filter_map(|e| e.file_name().into_string().ok())
                    .filter(|n| safe_name(n) && is_image(n) && self.find(n).is_some())
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

const IMAGE_TYPES: [(&str, &str); 5] = [
    (".png", "image/png"),
    (".jpg", "image/jpeg"),
    (".jpeg", "image/jpeg"),
    (".gif", "image/gif"),
    (".webp", "image/webp"),
];

/// The content type of an image name (by its extension, in any case).
fn image_type(name: &str) -> Option<&'static str> {
    IMAGE_TYPES
        .iter()
        .find(|(ext, _)| {
            name.len() > ext.len()
                && name
                    .get(name.len() - ext.len()..)
                    .is_some_and(|e| e.eq_ignore_ascii_case(ext))
        })
        .map(|(_, t)| *t)
}

fn is_image(name: &str) -> bool {
    image_type(name).is_some()
}

/// The content type of a name that may be served: an image, or an image's
/// `.sac` companion (`<image>.sac`, or `<image>.<hash>.sac` as `framewire
/// publish --content-addressed` names it: 16 lower-case hex digits).
fn served_type(name: &str) -> Option<&'static str> {
    let Some(stem) = name.strip_suffix(".sac") else {
        return image_type(name);
    };
    let image = match stem.rsplit_once('.') {
        Some((image, hash))
            if hash.len() == 16 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) =>
        {
            image
        }
        _ => stem,
    };
    image_type(image).map(|_| "application/octet-stream")
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
        .max_age(Duration::from_secs(86400))
        // The CORS answer is the same for every origin (`*`), so it does
        // not vary on Origin or the preflight fields; the routes send their
        // own `Vary: Accept-Encoding`.
        .vary(Vec::<header::HeaderName>::new());
    Router::new()
        .route("/i/{*name}", get(serve))
        .route(
            "/api/images",
            get(|State(cdn): State<Arc<Cdn>>| async move {
                ([(header::CONTENT_TYPE, "application/json")], cdn.list())
            }),
        )
        .layer(cors)
        .with_state(cdn)
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
}

fn not_found() -> Response {
    plain(StatusCode::NOT_FOUND, "not found\n")
}

/// A field's value, its lines joined with ", " (RFC 9110 5.3: a list sent
/// on several lines is the same list on one); `None` when absent or not
/// visible ASCII. A field that is no list (a date, `Range`) sent twice
/// joins into a value that does not parse, and is ignored.
fn text(headers: &HeaderMap, name: header::HeaderName) -> Option<std::borrow::Cow<'_, str>> {
    let mut lines = headers.get_all(name).into_iter();
    let first = lines.next()?.to_str().ok()?;
    let mut rest = lines.peekable();
    if rest.peek().is_none() {
        return Some(std::borrow::Cow::Borrowed(first));
    }
    let mut all = first.to_owned();
    for line in rest {
        all.push_str(", ");
        all.push_str(line.to_str().ok()?);
    }
    Some(std::borrow::Cow::Owned(all))
}

fn seconds(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A 412: which precondition fails depends on the variant (each has its
/// own tag), so it varies on Accept-Encoding like the 200 would.
fn precondition_failed() -> Response {
    let mut resp = plain(StatusCode::PRECONDITION_FAILED, "precondition failed\n");
    resp.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    resp
}

async fn serve(
    State(cdn): State<Arc<Cdn>>,
    UrlPath(name): UrlPath<String>,
    req: Request,
) -> Response {
    let Some(content_type) = served_type(&name).filter(|_| safe_name(&name)) else {
        return not_found();
    };
    let head = req.method() == Method::HEAD;
    let headers = req.headers();

    // 1. The representation: br, then gzip, when accepted and present.
    let ae = text(headers, header::ACCEPT_ENCODING).unwrap_or_default();
    let ae = ae.as_ref();
    let mut chosen = None;
    for (coding, suffix) in [("br", ".br"), ("gzip", ".gz")] {
        if ranges::accepts(ae, coding) {
            if let Some(found) = cdn.find(&format!("{name}{suffix}")) {
                chosen = Some((Some(coding), found));
                break;
            }
        }
    }
    let (coding, found) = match chosen {
        Some(c) => c,
        None => match cdn.find(&name) {
            Some(found) => (None, found),
            None => return not_found(),
        },
    };
    let Some(loaded) = cdn.loaded(&found).await else {
        return plain(
            StatusCode::SERVICE_UNAVAILABLE,
            "the file is changing; try again\n",
        );
    };
    let len = found.version.size;
    let etag = loaded.etag.to_str().unwrap_or("");
    let mtime = found.meta.modified().ok();
    let last_modified = mtime.map(httpdate::fmt_http_date);

    let mut out = HeaderMap::new();
    out.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    out.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    out.insert(header::ETAG, loaded.etag.clone());
    if let Some(lm) = last_modified
        .as_deref()
        .and_then(|s| HeaderValue::from_str(s).ok())
    {
        out.insert(header::LAST_MODIFIED, lm);
    }
    let date = |name| text(headers, name).and_then(|v| httpdate::parse_http_date(&v).ok());

    // 2. Preconditions, in RFC 9110 13.2.2's order.
    if let Some(im) = text(headers, header::IF_MATCH) {
        if !ranges::any_match(&im, etag) {
            return precondition_failed();
        }
    } else if let (Some(ius), Some(m)) = (date(header::IF_UNMODIFIED_SINCE), mtime) {
        if seconds(m) > seconds(ius) {
            return precondition_failed();
        }
    }
    let not_modified = match text(headers, header::IF_NONE_MATCH) {
        Some(inm) => ranges::none_match(&inm, etag),
        None => match (date(header::IF_MODIFIED_SINCE), mtime) {
            (Some(ims), Some(m)) => seconds(m) <= seconds(ims),
            _ => false,
        },
    };
    if not_modified {
        let mut resp = StatusCode::NOT_MODIFIED.into_response();
        *resp.headers_mut() = out;
        return resp;
    }

    // 3. The range, if If-Range (when sent) still holds.
    // Only GET has range handling (RFC 9110 14.2): a HEAD gets the 200's
    // headers.
    let mut wanted = match text(headers, header::RANGE) {
        Some(r) if !head => ranges::range(&r, len),
        _ => Ranged::Full,
    };
    let if_range = text(headers, header::IF_RANGE);
    if let Some(ir) = if_range.as_deref().map(str::trim) {
        let holds = if ir.starts_with('"') || ir.starts_with("W/") {
            !ir.starts_with("W/") && ir == etag
        } else {
            last_modified.as_deref() == Some(ir)
        };
        if !holds {
            wanted = Ranged::Full;
        }
    }
    let (status, start, end) = match wanted {
        Ranged::Full => (StatusCode::OK, 0, len.saturating_sub(1)),
        Ranged::Part(a, b) => (StatusCode::PARTIAL_CONTENT, a, b),
        Ranged::Unsatisfiable => {
            // No Content-Encoding: the 416 body is not the br variant.
            let mut resp = plain(StatusCode::RANGE_NOT_SATISFIABLE, "range not satisfiable\n");
            // Which range is unsatisfiable depends on the variant's length.
            resp.headers_mut()
                .insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                resp.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            resp.headers_mut()
                .insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
            return resp;
        }
    };
    let count = if len == 0 { 0 } else { end - start + 1 };

    out.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    out.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    out.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Some(c) = coding {
        out.insert(header::CONTENT_ENCODING, HeaderValue::from_static(c));
    }
    if status == StatusCode::PARTIAL_CONTENT {
        if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{len}")) {
            out.insert(header::CONTENT_RANGE, v);
        }
    }
    out.insert(header::CONTENT_LENGTH, HeaderValue::from(count));

    // 4. The bytes: from memory, or streamed from the file.
    let body = if head || count == 0 {
        Body::empty()
    } else if let Some(bytes) = &loaded.bytes {
        let (a, b) = (
            usize::try_from(start).unwrap_or(0),
            usize::try_from(end).unwrap_or(0),
        );
        Body::from(bytes.slice(a..=b.min(bytes.len().saturating_sub(1))))
    } else {
        match stream_file(found.path.clone(), found.version, start, count).await {
            Some(body) => body,
            None => {
                return plain(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the file is changing; try again\n",
                )
            }
        }
    };
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    *resp.headers_mut() = out;
    resp
}

/// `count` bytes of the file version from `start`, read in [`CHUNK`]s.
async fn stream_file(path: PathBuf, version: Version, start: u64, count: u64) -> Option<Body> {
    use std::io::{Seek as _, SeekFrom};
    let file = tokio::task::spawn_blocking(move || -> Option<std::fs::File> {
        let mut f = open_version(&path, version).ok()?;
        f.seek(SeekFrom::Start(start)).ok()?;
        Some(f)
    })
    .await
    .ok()??;
    let file = tokio::io::AsyncReadExt::take(tokio::fs::File::from_std(file), count);
    let stream = tokio_util_stream(file);
    Some(Body::from_stream(stream))
}

/// A reader as a stream of [`CHUNK`]-sized `Bytes`.
fn tokio_util_stream<R: tokio::io::AsyncRead + Unpin + Send + 'static>(
    reader: R,
) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> + Send {
    futures_util::stream::unfold(reader, |mut r| async move {
        let mut buf = vec![0u8; CHUNK];
        match tokio::io::AsyncReadExt::read(&mut r, &mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(Bytes::from(buf)), r))
            }
            Err(e) => Some((Err(e), r)),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn served_names() {
        assert_eq!(served_type("a.png"), Some("image/png"));
        assert_eq!(served_type("a.png.sac"), Some("application/octet-stream"));
        assert_eq!(served_type("a.sac"), None);
        assert_eq!(
            served_type("a.png.0123456789abcdef.sac"),
            Some("application/octet-stream")
        );
        assert_eq!(served_type("a.0123456789abcdef.sac"), None);
        assert_eq!(served_type("a.png.0123456789ABCDEF.sac"), None);
        assert_eq!(served_type("a.png.sac.br"), None);
        assert_eq!(served_type("passwd"), None);
        assert_eq!(served_type("AURORA.PNG"), Some("image/png"));
        assert_eq!(served_type(".png"), None);
    }

    /// A fresh folder under the system's temporary directory.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("framewire-cdn-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// One request through the `/i/` routes: status and headers.
    async fn ask(
        app: &Router,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
    ) -> (StatusCode, HeaderMap) {
        use tower::ServiceExt as _;
        let mut req = axum::http::Request::builder().method(method).uri(path);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = app
            .clone()
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap();
        (resp.status(), resp.headers().clone())
    }

    /// What the shared header checks (tests/abuse/origin_headers.py) leave
    /// out because nginx answers otherwise: HEAD ignores Range, a list field
    /// on several lines is one list, a suffix range of an empty file is
    /// ignored, and the CORS layer adds no `Vary` of its own.
    #[tokio::test]
    async fn header_rules_nginx_does_not_share() {
        let dir = scratch("rules");
        std::fs::write(dir.join("a.png.sac"), vec![7u8; 100]).unwrap();
        std::fs::write(dir.join("empty.png"), b"").unwrap();
        let app = routes(Arc::new(Cdn::new(&dir, false).unwrap()));
        let (s, h) = ask(
            &app,
            Method::GET,
            "/i/a.png.sac",
            &[("origin", "http://x.example")],
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let etag = h[header::ETAG].to_str().unwrap().to_owned();
        let vary: Vec<_> = h.get_all(header::VARY).iter().collect();
        assert_eq!(vary, ["Accept-Encoding"], "one Vary, not the CORS layer's");
        assert_eq!(h[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");

        let (s, h) = ask(
            &app,
            Method::HEAD,
            "/i/a.png.sac",
            &[("range", "bytes=0-9")],
        )
        .await;
        assert_eq!(s, StatusCode::OK, "HEAD ignores Range");
        assert_eq!(h[header::CONTENT_LENGTH], "100");
        assert!(h.get(header::CONTENT_RANGE).is_none());
        let (s, _) = ask(&app, Method::HEAD, "/i/a.png.sac", &[("range", "bytes=-0")]).await;
        assert_eq!(s, StatusCode::OK, "no 416 for HEAD either");

        let (s, _) = ask(
            &app,
            Method::GET,
            "/i/a.png.sac",
            &[("if-none-match", "\"x\""), ("if-none-match", &etag)],
        )
        .await;
        assert_eq!(s, StatusCode::NOT_MODIFIED, "If-None-Match on two lines");
        let (s, _) = ask(
            &app,
            Method::GET,
            "/i/a.png.sac",
            &[("if-match", "\"x\""), ("if-match", &etag)],
        )
        .await;
        assert_eq!(s, StatusCode::OK, "If-Match on two lines");
        let (s, h) = ask(&app, Method::GET, "/i/a.png.sac", &[("if-match", "\"x\"")]).await;
        assert_eq!(s, StatusCode::PRECONDITION_FAILED);
        assert_eq!(h[header::VARY], "Accept-Encoding");

        let (s, h) = ask(&app, Method::GET, "/i/empty.png", &[("range", "bytes=-5")]).await;
        assert_eq!(
            s,
            StatusCode::OK,
            "a suffix range of an empty file is ignored"
        );
        assert_eq!(h[header::CONTENT_LENGTH], "0");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Concurrent first requests for a large file hash it once; a new
    /// version of the same size is hashed again and gets a new tag.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn tags_are_computed_once_per_version() {
        const CLIENTS: usize = 32;
        let dir = scratch("single-flight");
        let name = "big.png.sac";
        // 16 MiB: hashing takes far longer than releasing the barrier, so
        // every client asks while the first computation is running.
        let size = 16 * 1024 * 1024;
        std::fs::write(dir.join(name), vec![1u8; size]).unwrap();
        let cdn = Arc::new(Cdn::new(&dir, false).unwrap());

        let tags = |cdn: Arc<Cdn>| async move {
            let barrier = Arc::new(tokio::sync::Barrier::new(CLIENTS));
            let mut set = tokio::task::JoinSet::new();
            for _ in 0..CLIENTS {
                let (cdn, barrier) = (cdn.clone(), barrier.clone());
                set.spawn(async move {
                    barrier.wait().await;
                    let found = cdn.find(name).expect("served");
                    cdn.loaded(&found).await.expect("tagged").etag
                });
            }
            let mut tags = Vec::new();
            while let Some(tag) = set.join_next().await {
                tags.push(tag.unwrap());
            }
            tags
        };

        let first = tags(cdn.clone()).await;
        assert_eq!(first.len(), CLIENTS);
        assert!(first.iter().all(|t| *t == first[0]));
        assert_eq!(
            cdn.loads.load(Ordering::Relaxed),
            1,
            "one hash for {CLIENTS} clients"
        );

        // Same size, different bytes (the ctime changes).
        std::thread::sleep(Duration::from_millis(20));
        std::fs::write(dir.join(name), vec![2u8; size]).unwrap();
        let second = tags(cdn.clone()).await;
        assert!(second.iter().all(|t| *t == second[0]));
        assert_ne!(second[0], first[0], "new bytes, new tag");
        assert_eq!(
            cdn.loads.load(Ordering::Relaxed),
            2,
            "one more hash for the new version"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
