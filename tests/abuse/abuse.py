#!/usr/bin/env python3
"""The demo server under attack, on loopback: each attack is replayed against
a server this script starts, and its resident memory (sampled every 10 ms),
the status codes and its liveness (`GET /api/state` within 1 s) are checked.

    python3 tests/abuse/abuse.py target/release/framewire-demo

Python's standard library only. Bounded in count and time (about a minute).
The server runs under an open-file limit of 1024, as a default shell gives.
"""

import hashlib
import http.client
import json
import os
import re
import resource
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

DEMO = sys.argv[1] if len(sys.argv) > 1 else "target/release/framewire-demo"
MiB = 1024 * 1024
failures = []


def check(cond, what):
    print(("   ok   " if cond else "   FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


class Server:
    def __init__(self, images, *args):
        def limits():
            resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))

        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [DEMO, "--port", "0", "--images", images, "--header-timeout", "2", *args],
            stdout=subprocess.PIPE, stderr=self.log, preexec_fn=limits)
        line = self.proc.stdout.readline().decode()
        m = re.search(r"http://([0-9.]+):(\d+)/", line)
        if not m:
            self.log.seek(0)
            sys.exit(f"abuse: the demo did not start: {line!r} {self.log.read()!r}")
        self.host, self.port = m.group(1), int(m.group(2))

    def rss(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def stop(self):
        self.proc.kill()
        self.proc.wait()


class Peak:
    """The highest RSS of the server while the `with` block runs."""

    def __init__(self, server):
        self.server, self.peak, self.done = server, 0, False

    def __enter__(self):
        def run():
            while not self.done:
                self.peak = max(self.peak, self.server.rss())
                time.sleep(0.01)
        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done = True
        self.thread.join()


def request(srv, method, path, body=None, headers=None, timeout=30):
    c = http.client.HTTPConnection(srv.host, srv.port, timeout=timeout)
    h = {"Host": f"127.0.0.1:{srv.port}"}
    h.update(headers or {})
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data


def alive(srv, what):
    t0 = time.monotonic()
    try:
        status, _, body = request(srv, "GET", "/api/state", timeout=1)
        ok = status == 200 and b'"mode"' in body
    except OSError as e:
        ok, status = False, repr(e)
    dt = time.monotonic() - t0
    check(ok and dt < 1, f"{what}: /api/state answered {status} in {dt * 1000:.0f} ms")


def ws_connect(srv, origin=None):
    s = socket.create_connection((srv.host, srv.port), timeout=10)
    extra = f"Origin: {origin}\r\n" if origin else ""
    s.sendall((f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{srv.port}\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               f"Sec-WebSocket-Version: 13\r\n{extra}\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        if not chunk:
            break
        head += chunk
    return s, int(head.split(b" ")[1]) if head else 0


def ws_frame_header(fin, opcode, length):
    b0 = (0x80 if fin else 0) | opcode
    if length < 126:
        h = struct.pack("!BB", b0, 0x80 | length)
    elif length < 65536:
        h = struct.pack("!BBH", b0, 0x80 | 126, length)
    else:
        h = struct.pack("!BBQ", b0, 0x80 | 127, length)
    return h + b"\0\0\0\0"  # mask key 0: the payload goes as is


def hold_big_message(srv, fragmented, sent_before_close):
    """Starts a 60 MiB message; returns how many bytes went before the server
    closed the connection."""
    s, status = ws_connect(srv)
    if status != 101:
        sent_before_close.append(-status)
        return
    sent = 0
    chunk = b"x" * MiB
    try:
        if not fragmented:
            s.sendall(ws_frame_header(True, 2, 60 * MiB))
        for i in range(60):
            if fragmented:
                piece = b"x" * 1000
                for j in range(1024):
                    s.sendall(ws_frame_header(False, 2 if (i, j) == (0, 0) else 0, 1000) + piece)
                    sent += 1000
            else:
                s.sendall(chunk)
                sent += MiB
    except OSError:
        pass
    sent_before_close.append(sent)
    time.sleep(1)  # hold the socket a while
    s.close()


def attack_websocket(srv):
    print("== 10 clients each start a 60 MiB WebSocket message (5 in one frame, 5 fragmented)")
    sent = []
    with Peak(srv) as peak:
        threads = [threading.Thread(target=hold_big_message, args=(srv, i % 2 == 1, sent))
                   for i in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    check(len(sent) == 10 and all(0 <= n < 60 * MiB for n in sent),
          f"every connection was closed before its message was sent (bytes sent: {sorted(sent)})")
    check(peak.peak < 100 * MiB, f"peak RSS {peak.peak / MiB:.1f} MiB < 100 MiB")
    s, status = ws_connect(srv, origin="http://evil.example")
    s.close()
    check(status == 403, f"WebSocket upgrade with Origin: http://evil.example -> {status} (want 403)")
    s, status = ws_connect(srv, origin=f"http://127.0.0.1:{srv.port}")
    s.close()
    check(status == 101, f"WebSocket upgrade from the demo's own origin -> {status} (want 101)")
    alive(srv, "after the WebSocket attack")


def attack_json(srv):
    print("== 4 concurrent 32 MiB JSON bodies (16.7 million values each)")
    k = (32 * MiB - 5) // 2
    body = b"[[" + b"0," * k + b"0]]"
    assert len(body) <= 32 * MiB
    statuses = []

    def post():
        statuses.append(request(srv, "POST", "/set_array?vmin=0&vmax=1", body,
                                {"Content-Type": "application/json"}, timeout=120)[0])
    t0 = time.monotonic()
    with Peak(srv) as peak:
        threads = [threading.Thread(target=post) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    check(statuses == [200] * 4, f"statuses {statuses} (want 4 x 200) in {time.monotonic() - t0:.1f} s")
    check(peak.peak < 300 * MiB, f"peak RSS {peak.peak / MiB:.1f} MiB < 300 MiB")
    # A Content-Length over the limit: 413 before the body is read.
    s = socket.create_connection((srv.host, srv.port), timeout=10)
    s.sendall((f"POST /set_array HTTP/1.1\r\nHost: 127.0.0.1:{srv.port}\r\n"
               f"Content-Type: application/json\r\nContent-Length: {40 * MiB}\r\n\r\n[[").encode())
    reply = s.recv(4096)
    s.close()
    check(reply.startswith(b"HTTP/1.1 413"), f"Content-Length: 40 MiB -> {reply[:12]!r} (want 413)")
    # A chunked body that grows past the limit.
    s = socket.create_connection((srv.host, srv.port), timeout=30)
    s.sendall((f"POST /set_array HTTP/1.1\r\nHost: 127.0.0.1:{srv.port}\r\n"
               "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode())
    piece = b"0," * (MiB // 2)
    try:
        s.sendall(b"2\r\n[[\r\n")
        for _ in range(40):
            s.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
    except OSError:
        pass
    reply = s.recv(4096)
    s.close()
    check(reply.startswith(b"HTTP/1.1 413"), f"a chunked body past 32 MiB -> {reply[:12]!r} (want 413)")
    request(srv, "POST", "/animate", b"", {"Content-Type": "application/json"})
    alive(srv, "after the JSON attack")


def attack_files(srv, images):
    print("== ETags: 8 first requests for a 512 MiB file at once; FIFOs, devices, links out")
    big = os.path.join(images, "big.png")
    with open(big, "wb") as f:
        f.truncate(512 * MiB)  # sparse: zeros from the page cache
    statuses = []

    def get():
        statuses.append(request(srv, "GET", "/i/big.png", headers={"Range": "bytes=0-0"},
                                timeout=60)[:2])
    with Peak(srv) as peak:
        threads = [threading.Thread(target=get) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    tags = {h.get("etag") for _, h in statuses}
    want = '"' + hashlib.sha256(b"\0" * (512 * MiB)).hexdigest()[:32] + '"'
    check([s for s, _ in statuses] == [206] * 8 and tags == {want},
          f"8 x 206 with one ETag, the file's SHA-256 ({[s for s, _ in statuses]}, {tags})")
    check(peak.peak < 100 * MiB, f"peak RSS {peak.peak / MiB:.1f} MiB < 100 MiB")
    os.remove(big)

    os.mkfifo(os.path.join(images, "fifo.png"))
    os.symlink("/dev/zero", os.path.join(images, "zero.png"))
    os.symlink("/etc/passwd", os.path.join(images, "passwd.png"))
    os.symlink("/etc/passwd", os.path.join(images, "passwd"))
    os.symlink("aurora.png", os.path.join(images, "inside.png"))
    with open(os.path.join(images, "notes.txt"), "w") as f:
        f.write("not an image\n")
    os.mkdir(os.path.join(images, "sub.png"))
    for name in ["fifo.png", "zero.png", "passwd.png", "passwd", "notes.txt", "sub.png"]:
        t0 = time.monotonic()
        status, _, body = request(srv, "GET", f"/i/{name}", timeout=5)
        check(status == 404 and body == b"not found\n" and time.monotonic() - t0 < 1,
              f"/i/{name} -> {status} {body!r}")
    status, _, _ = request(srv, "GET", "/i/inside.png")
    check(status == 200, f"/i/inside.png (a link inside the folder) -> {status}")
    listing = json.loads(request(srv, "GET", "/api/images")[2])
    names = sorted(i["name"] for i in listing)
    check(names == ["aurora.png", "dunes.png", "inside.png", "meadow.png"],
          f"/api/images lists the images only: {names}")

    # Same size, same mtime, other bytes: a new ETag (the cache key has ctime).
    path = os.path.join(images, "same.png")
    with open(path, "wb") as f:
        f.write(b"A" * 1000)
    st = os.stat(path)
    tag1 = request(srv, "GET", "/i/same.png")[1]["etag"]
    with open(path, "r+b") as f:
        f.write(b"B" * 1000)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    status, h, body = request(srv, "GET", "/i/same.png", headers={"If-None-Match": tag1})
    check(status == 200 and body == b"B" * 1000 and h["etag"] != tag1,
          f"a rewrite with the same size and mtime -> {status}, new ETag {h.get('etag')} (was {tag1})")
    alive(srv, "after the file attacks")


def attack_stream(srv):
    print("== 40 concurrent GET /stream?n=300")
    t0 = time.monotonic()
    request(srv, "GET", "/stream?n=300")
    one = time.monotonic() - t0
    check(one < 2, f"one /stream?n=300 took {one:.2f} s (about a second)")
    sizes = []
    with Peak(srv) as peak:
        threads = [threading.Thread(target=lambda: sizes.append(len(request(
            srv, "GET", "/stream?n=300", timeout=60)[2]))) for _ in range(40)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    check(len(set(sizes)) == 1 and sizes[0] > 300 * 1000, f"40 full bodies of {set(sizes)} bytes")
    check(peak.peak < 100 * MiB, f"peak RSS {peak.peak / MiB:.1f} MiB < 100 MiB")
    check(request(srv, "GET", "/stream?n=301")[0] == 400, "/stream?n=301 -> 400")
    alive(srv, "after the stream attack")


def attack_idle(srv):
    print("== 2,000 idle connections with unfinished headers (server: 1,024 descriptors)")
    socks = []
    with Peak(srv) as peak:
        for i in range(2000):
            try:
                s = socket.create_connection((srv.host, srv.port), timeout=5)
                s.sendall(b"GET /api/state HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                socks.append(s)
            except OSError as e:
                print(f"   (client: connection {i}: {e})")
                break
        for _ in range(5):
            alive(srv, f"with {len(socks)} idle connections open")
    check(len(socks) == 2000, f"{len(socks)} idle connections opened")
    check(peak.peak < 100 * MiB, f"peak RSS {peak.peak / MiB:.1f} MiB < 100 MiB")
    for s in socks:
        s.close()
    # The header-read timeout (2 s here) closes a connection that stalls.
    s = socket.create_connection((srv.host, srv.port), timeout=10)
    s.sendall(b"GET / HTTP/1.1\r\n")
    t0 = time.monotonic()
    try:
        data = s.recv(4096)
    except OSError:
        data = b""
    dt = time.monotonic() - t0
    s.close()
    check(dt < 5 and not data.startswith(b"HTTP/1.1 200"),
          f"a connection that never finishes its headers is closed after {dt:.1f} s")
    alive(srv, "after the idle connections")


def attack_cross_site(srv):
    print("== another site's page, DNS rebinding")
    own = f"http://127.0.0.1:{srv.port}"
    for path in ["/set_array", "/animate"]:
        for ctype in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]:
            status = request(srv, "POST", path, b"[[1]]", {"Content-Type": ctype})[0]
            check(status == 415, f"POST {path} as {ctype} -> {status} (want 415)")
        status = request(srv, "POST", path, b"[[1]]", {
            "Content-Type": "application/json", "Origin": "http://evil.example"})[0]
        check(status == 403, f"POST {path} with Origin: http://evil.example -> {status} (want 403)")
        status = request(srv, "POST", path, b"[[1]]", {"Content-Type": "application/json", "Origin": own})[0]
        check(status == 200, f"POST {path} from the demo's own origin -> {status}")
    status = request(srv, "GET", "/api/state", headers={"Host": "attacker.example"})[0]
    check(status == 421, f"Host: attacker.example -> {status} (want 421)")
    status, h, _ = request(srv, "GET", "/i/aurora.png.sac", headers={"Origin": "http://evil.example"})
    check(status == 200 and h.get("access-control-allow-origin") == "*",
          f"GET /i/aurora.png.sac from another origin -> {status}, ACAO {h.get('access-control-allow-origin')}")


def npy(descr, shape, data):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (
        descr, "".join(f"{d}," for d in shape))
    header = header.ljust(((len(header) + 11) // 64 + 1) * 64 - 11) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + data


def demo_answers(srv):
    print("== the demo's own answers (RFC 9110 and the array endpoint)")
    good = npy("<f8", (1, 2), struct.pack("<2d", 0.0, 1.0))
    j = {"Content-Type": "application/octet-stream"}
    check(request(srv, "POST", "/set_array", good, j)[0] == 200, ".npy accepted")
    status, _, body = request(srv, "POST", "/set_array", good + b"extra", j)
    check(status == 400 and b"5 bytes after" in body, f".npy with trailing bytes -> {status} {body!r}")
    inf = npy("<f8", (1, 2), struct.pack("<2d", 0.0, float("inf")))
    status, _, body = request(srv, "POST", "/set_array", inf, j)
    check(status == 400 and b"largest value is inf" in body and b"vmax is not finite" not in body,
          f"inf without vmax -> {status} {body!r}")
    status, _, body = request(srv, "POST", "/set_array?vmax=1", inf, j)
    check(status == 200, f"inf with ?vmax=1 -> {status} {body[:60]!r}")
    request(srv, "POST", "/animate")
    for path in ["/i/AURORA.PNG", "/i/nothing.png", "/i/aurora.png.sac.br", "/nowhere"]:
        status, _, body = request(srv, "GET", path)
        check(status == 404 and body == b"not found\n", f"{path} -> {status} {body!r}")


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    with tempfile.TemporaryDirectory() as work:
        # The demo's own pictures: start once without --images to make them.
        env = dict(os.environ, TMPDIR=work)
        gen = subprocess.Popen([DEMO, "--port", "0"], stdout=subprocess.PIPE, env=env)
        gen.stdout.readline()
        gen.kill()
        gen.wait()
        images = os.path.join(work, "framewire-demo-images-v2")
        srv = Server(images)
        print(f"== demo on 127.0.0.1:{srv.port}, pid {srv.proc.pid}, RSS {srv.rss() / MiB:.1f} MiB")
        t0 = time.monotonic()
        try:
            for attack in [attack_websocket, attack_json, lambda s: attack_files(s, images),
                           attack_stream, attack_idle, attack_cross_site, demo_answers]:
                attack(srv)
            check(srv.proc.poll() is None, "the server is still running")
        finally:
            srv.stop()
        print(f"== {time.monotonic() - t0:.0f} s")
    if failures:
        print(f"abuse: {len(failures)} check(s) failed:", *failures, sep="\n  ")
        sys.exit(1)
    print("abuse: every check passed")


if __name__ == "__main__":
    main()
