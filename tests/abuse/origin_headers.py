#!/usr/bin/env python3
"""The HTTP answers an origin for `framewire publish` folders must give, as
RFC 9110 and SAC v1 (docs/FORMATS.md) ask, checked against any server: the
demo (`/i/`) and nginx with `examples/nginx/framewire.conf` run the same
checks in `.ci/nginx.sh`.

    python3 tests/abuse/origin_headers.py http://127.0.0.1:PORT/i/ FOLDER

FOLDER is the folder the server serves at that URL. It must hold
`aurora.png`, `aurora.png.sac` with `.br` and `.gz` variants, no
`meadow.png.sac`, a subfolder `sub.png/` and a symbolic link
`passwd.png -> /etc/passwd` (the script makes the last two).
Python's standard library only.
"""

import collections
import gzip
import http.client
import os
import re
import sys
import urllib.parse

BASE, FOLDER = sys.argv[1], sys.argv[2]
URL = urllib.parse.urlsplit(BASE)
IMMUTABLE = "public, max-age=31536000, immutable"
failures = []


def check(cond, what):
    print(("   ok   " if cond else "   FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def get(name, headers=None, method="GET"):
    c = http.client.HTTPConnection(URL.hostname, URL.port, timeout=10)
    c.request(method, URL.path + name, headers=headers or {})
    r = c.getresponse()
    body = r.read()
    c.close()
    headers = {}
    for k, v in r.getheaders():  # a repeated field is one list
        headers[k.lower()] = f"{headers[k.lower()]}, {v}" if k.lower() in headers else v
    return r.status, headers, body


def multipart_ok(status, h, body, file, parts):
    """A 200 with the whole file, a 206 multipart/byteranges of `parts`, or a
    single-part 206 when one part is left (RFC 9110 14.2, 15.3.7)."""
    if status == 200:
        return body == file
    cr = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", h.get("content-range", ""))
    if status == 206 and cr and len(parts) == 1:
        a, b, total = (int(x) for x in cr.groups())
        return (a, b) == parts[0] and total == len(file) and body == file[a:b + 1]
    m = re.match(r"multipart/byteranges;\s*boundary=\"?([^\";]+)\"?", h.get("content-type", ""))
    if status != 206 or not m:
        return False
    boundary = m.group(1).encode()
    got = []
    for chunk in body.split(b"--" + boundary)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, data = chunk.partition(b"\r\n\r\n")
        cr = re.search(rb"Content-Range: bytes (\d+)-(\d+)/(\d+)", head, re.I)
        if not cr:
            return False
        a, b, total = (int(x) for x in cr.groups())
        data = data[:-2] if data.endswith(b"\r\n") else data
        if total != len(file) or data != file[a:b + 1]:
            return False
        got.append((a, b))
    return got == parts


def main():
    sub = os.path.join(FOLDER, "sub.png")
    os.makedirs(sub, exist_ok=True)
    with open(os.path.join(sub, "x.png"), "wb") as f:
        f.write(b"inside a subfolder")
    link = os.path.join(FOLDER, "passwd.png")
    if not os.path.lexists(link):
        os.symlink("/etc/passwd", link)

    file = open(os.path.join(FOLDER, "aurora.png.sac"), "rb").read()
    br_file = open(os.path.join(FOLDER, "aurora.png.sac.br"), "rb").read()
    gz_file = open(os.path.join(FOLDER, "aurora.png.sac.gz"), "rb").read()
    ident = {"Accept-Encoding": "identity"}
    sac = "aurora.png.sac"
    print(f"== {BASE}{sac} ({len(file)} bytes; br {len(br_file)}, gzip {len(gz_file)})")

    status, h, body = get(sac, ident)
    etag = h.get("etag", "")
    check(status == 200 and body == file, f"200 with the file's bytes ({status}, {len(body)} bytes)")
    check(h.get("cache-control") == IMMUTABLE, f"Cache-Control: {h.get('cache-control')}")
    check(h.get("content-type") == "application/octet-stream", f"Content-Type: {h.get('content-type')}")
    check(h.get("accept-ranges") == "bytes", f"Accept-Ranges: {h.get('accept-ranges')}")
    check("content-encoding" not in h, "no Content-Encoding for identity")
    check("accept-encoding" in h.get("vary", "").lower(), f"Vary: {h.get('vary')}")
    check(bool(h.get("last-modified")), f"Last-Modified: {h.get('last-modified')}")
    check(re.fullmatch(r'"[^"]+"', etag) is not None, f"a strong ETag: {etag}")
    lm = h.get("last-modified", "")

    print("== conditional requests")
    s, h2, b2 = get(sac, {**ident, "If-None-Match": etag})
    check(s == 304 and b2 == b"" and h2.get("etag") == etag and h2.get("cache-control") == IMMUTABLE,
          f"If-None-Match: the tag -> {s}, ETag and Cache-Control kept")
    for inm in [f"garbage, {etag}", f'"x", W/{etag}', "*"]:
        check(get(sac, {**ident, "If-None-Match": inm})[0] == 304, f"If-None-Match: {inm} -> 304")
    check(get(sac, {**ident, "If-None-Match": '"other"'})[0] == 200, 'If-None-Match: "other" -> 200')
    check(get(sac, {**ident, "If-None-Match": '"other"', "If-Modified-Since": lm})[0] == 200,
          "If-None-Match wins over If-Modified-Since -> 200")
    check(get(sac, {**ident, "If-Modified-Since": lm})[0] == 304, "If-Modified-Since: Last-Modified -> 304")
    check(get(sac, {**ident, "If-Match": '"wrong"'})[0] == 412, 'If-Match: "wrong" -> 412')
    # The 412 depends on Accept-Encoding (each variant has its own tag).
    s, h2, _ = get(sac, {"Accept-Encoding": "br", "If-Match": etag})
    check(s == 412 and "accept-encoding" in h2.get("vary", "").lower(),
          f"If-Match: the identity tag, accepting br -> {s}, Vary: {h2.get('vary')}")
    # Any date at or after Last-Modified (RFC 9110 13.1.3), not only that one.
    import email.utils
    later = email.utils.format_datetime(email.utils.parsedate_to_datetime(lm) + __import__("datetime").timedelta(seconds=1), usegmt=True)
    check(get(sac, {**ident, "If-Modified-Since": later})[0] == 304, f"If-Modified-Since: {later} (1 s later) -> 304")
    check(get(sac, {**ident, "If-Match": etag})[0] == 200, "If-Match: the tag -> 200")

    print("== ranges")
    s, h2, b2 = get(sac, {**ident, "Range": "bytes=0-23"})
    check(s == 206 and h2.get("content-range") == f"bytes 0-23/{len(file)}" and b2 == file[:24]
          and h2.get("etag") == etag, f"bytes=0-23 -> {s} {h2.get('content-range')}")
    s, h2, b2 = get(sac, {**ident, "Range": "bytes=-100"})
    check(s == 206 and b2 == file[-100:], f"bytes=-100 -> {s}")
    check(get(sac, {**ident, "Range": "bytes=0-23", "If-Range": etag})[0] == 206, "If-Range: the tag -> 206")
    s, _, b2 = get(sac, {**ident, "Range": "bytes=0-23", "If-Range": '"stale"'})
    check(s == 200 and b2 == file, f'If-Range: "stale" -> {s}, the whole file')
    for rng, parts in [("bytes=0-1,4-5", [(0, 1), (4, 5)]), ("bytes=0-5,999999999-", [(0, 5)])]:
        s, h2, b2 = get(sac, {**ident, "Range": rng})
        check(multipart_ok(s, h2, b2, file, parts),
              f"{rng} -> {s} {h2.get('content-type')}: the whole file or a correct multipart/byteranges")
    s, _, b2 = get(sac, {**ident, "Range": "items=0-5"})
    check(s == 200 and b2 == file, f"items=0-5 (an unknown unit) -> {s}, ignored")
    cors = {"Origin": "http://elsewhere.example"}
    s, h2, _ = get(sac, {**ident, **cors, "Range": "bytes=999999999-"})
    check(s == 416 and h2.get("content-range") == f"bytes */{len(file)}",
          f"bytes=999999999- -> {s} {h2.get('content-range')}")
    # Each CORS field once, as on a 200 (a repeated one reads "*, *", which
    # no browser's CORS check takes), and Vary: the answer depends on
    # Accept-Encoding (the br variant has another length).
    ok200 = get(sac, {**ident, **cors})[1]
    check(h2.get("access-control-allow-origin") == "*"
          and h2.get("access-control-expose-headers") == ok200.get("access-control-expose-headers")
          and "accept-encoding" in h2.get("vary", "").lower(),
          f"the 416: Access-Control-Allow-Origin {h2.get('access-control-allow-origin')!r}, "
          f"Expose-Headers {h2.get('access-control-expose-headers')!r}, Vary {h2.get('vary')!r}")
    # For a precompressed variant, a server may ignore Range (nginx does).
    s, h2, b2 = get(sac, {"Accept-Encoding": "br", "Range": "bytes=999999999-"})
    check((s == 416 and "content-encoding" not in h2)
          or (s == 200 and h2.get("content-encoding") == "br" and b2 == br_file),
          f"the same for br -> {s}, Content-Encoding {h2.get('content-encoding')} (416 without it, or 200 br)")

    print("== precompressed variants")
    encodings = [get(sac, {"Accept-Encoding": "br"})[1].get("content-encoding") for _ in range(20)]
    check(encodings == ["br"] * 20, f"20 requests accepting br -> {collections.Counter(encodings)}")
    s, h2, b2 = get(sac, {"Accept-Encoding": "gzip, deflate, br"})
    br_tag = h2.get("etag")
    check(s == 200 and h2.get("content-encoding") == "br" and b2 == br_file,
          f"Accept-Encoding: gzip, deflate, br -> {s} {h2.get('content-encoding')}, the .br file")
    check("accept-encoding" in h2.get("vary", "").lower(), f"Vary: {h2.get('vary')}")
    check(br_tag and br_tag != etag, f"its own ETag ({br_tag})")
    check(get(sac, {"Accept-Encoding": "br", "If-None-Match": br_tag})[0] == 304, "If-None-Match: br tag -> 304")
    s, h2, b2 = get(sac, {"Accept-Encoding": "gzip"})
    check(s == 200 and h2.get("content-encoding") == "gzip" and gzip.decompress(b2) == file
          and h2.get("etag") not in (etag, br_tag), f"Accept-Encoding: gzip -> {s} gzip, own ETag")
    s, h2, b2 = get(sac, {"Accept-Encoding": "br", "Range": "bytes=0-9"})
    check((s == 206 and b2 == br_file[:10]) or (s == 200 and b2 == br_file),
          f"br with bytes=0-9 -> {s}: the first 10 bytes of the .br (or all of it: Range ignored)")

    manifest = os.path.join(FOLDER, "framewire-manifest.json")
    if os.path.exists(manifest):
        print("== content-addressed names (framewire-manifest.json)")
        import base64
        import hashlib
        import json
        for name, entry in sorted(json.load(open(manifest))["files"].items()):
            s, h2, b2 = get(entry["url"], ident)
            digest = hashlib.sha256(b2).digest()
            check(s == 200 and len(b2) == entry["size"] and digest.hex() == entry["sha256"]
                  and entry["integrity"] == "sha256-" + base64.b64encode(digest).decode()
                  and h2.get("cache-control") == IMMUTABLE
                  and b2 == open(os.path.join(FOLDER, name), "rb").read(),
                  f"{entry['url']} -> {s}, the bytes of {name}, SHA-256 and SRI as the manifest says")
            # Twenty times: the variant must not change from request to request.
            answers = [get(entry["url"], {"Accept-Encoding": "br"})[:2] for _ in range(20)]
            s, h2 = next((a for a in answers if a[1].get("content-encoding") != "br"), answers[0])
            check(s == 200 and all(h.get("content-encoding") == "br" for _, h in answers),
                  f"{entry['url']} as br -> {s} {h2.get('content-encoding')}"
                  + ("" if h2.get("content-encoding") == "br" else f" {h2}"))

    print("== CORS, HEAD, the image, what is not served")
    s, h2, _ = get(sac, {**ident, "Origin": "http://elsewhere.example"})
    check(h2.get("access-control-allow-origin") == "*", f"Access-Control-Allow-Origin: {h2.get('access-control-allow-origin')}")
    exposed = h2.get("access-control-expose-headers", "").lower()
    check(all(x in exposed for x in ["etag", "content-range", "content-encoding", "content-length"]),
          f"Access-Control-Expose-Headers: {exposed}")
    s, h2, _ = get(sac, {"Origin": "http://elsewhere.example", "Access-Control-Request-Method": "GET",
                         "Access-Control-Request-Headers": "range"}, "OPTIONS")
    check(s in (200, 204) and h2.get("access-control-allow-origin") == "*"
          and "GET" in h2.get("access-control-allow-methods", ""),
          f"preflight -> {s}, methods {h2.get('access-control-allow-methods')}")
    s, h2, b2 = get(sac, ident, "HEAD")
    check(s == 200 and int(h2.get("content-length", -1)) == len(file) and b2 == b"",
          f"HEAD -> {s}, Content-Length {h2.get('content-length')}")
    s, h2, _ = get("aurora.png")
    check(s == 200 and h2.get("content-type") == "image/png" and h2.get("cache-control") == IMMUTABLE,
          f"aurora.png -> {s} {h2.get('content-type')}")
    bodies = set()
    s = get("..%2F..%2Fetc%2Fpasswd")[0]
    check(s in (400, 404), f"..%2F..%2Fetc%2Fpasswd -> {s}")
    # ORIGIN_FOLLOWS_SYMLINKS=1: a server known to follow links (nginx as
    # configured in examples/nginx/framewire.conf); the link is not checked.
    links = [] if os.environ.get("ORIGIN_FOLLOWS_SYMLINKS") == "1" else [("passwd.png", {})]
    if not links:
        print("   (not checked: passwd.png -> /etc/passwd, ORIGIN_FOLLOWS_SYMLINKS=1)")
    for name, extra in links + [("meadow.png.sac", {}), (".hidden", {}),
                        ("AURORA.PNG", {}), ("aurora.png.sac.br", {}),
                        ("sub.png", {}), ("sub.png", {"Range": "bytes=0-1"}), ("sub.png/x.png", {}),
                        ("nothing.png", {})]:
        s, h2, b2 = get(name, {**extra, "Origin": "http://elsewhere.example"})
        bodies.add(b2)
        # Readable by any origin: a page tells "no .sac" from a network error.
        check(s == 404 and h2.get("cache-control") != IMMUTABLE
              and h2.get("access-control-allow-origin") == "*",
              f"{name} {extra or ''} -> {s}, Access-Control-Allow-Origin {h2.get('access-control-allow-origin')!r}")
    check(len(bodies) == 1, f"every 404 says the same: {sorted(bodies)}")
    if failures:
        print(f"origin_headers: {len(failures)} check(s) failed against {BASE}:", *failures, sep="\n  ")
        sys.exit(1)
    print(f"origin_headers: every check passed against {BASE}")


if __name__ == "__main__":
    main()
