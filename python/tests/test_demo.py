"""The FastAPI demo on loopback: the page, frames over the WebSocket, POST /set_array, resend."""

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest

import framewire as fw

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
websockets = pytest.importorskip("websockets")

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples")


@pytest.fixture(scope="module")
def server():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "demo_app:app", "--app-dir", EXAMPLES, "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/api/state", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail(proc.stdout.read().decode())
    yield base, port
    proc.terminate()
    proc.wait(10)


def get(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.status, r.read()


def post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_page_and_decoder(server):
    base, _ = server
    status, page = get(base + "/")
    assert status == 200 and b'src="/app.js"' in page
    status, js = get(base + "/framewire.js")
    assert status == 200 and b"export function parseVCBN" in js
    assert get(base + "/app.js")[1].count(b"./framewire.js") == 1
    # Every module the decoder imports (transitively) is served too, or the
    # page's module graph fails to load.
    seen, todo = set(), ["framewire.js"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        status, text = get(base + "/" + name)
        assert status == 200, name
        todo += [m.decode() for m in re.findall(rb"from '\./([a-z]+\.js)'", text)]
    assert seen >= {"framewire.js", "imgpack.js", "json.js", "common.js"}, seen


def test_frames_set_array_and_resend(server):
    base, port = server

    async def run():
        async with websockets.connect(f"ws://127.0.0.1:{port}/ws", max_size=None) as ws:
            # The animation: frames encoded by the package, decoded here.
            first = [await asyncio.wait_for(ws.recv(), 5) for _ in range(5)]
            for buf in first:
                header, blob = fw.unpack_envelope(buf)
                levels = fw.blob_to_ndarray(header, blob)
                assert header["shape"] == [144, 256] and levels.shape == (144, 256)
                assert header["dtype"] == "uint16" and levels.max() <= 4096
            assert len(set(first)) > 1  # it moves
            # A posted array: the stream stops on it, and "resend" sends it again.
            data = [[0, 0.25, 0.5], [0.75, 1, None]]
            status, body = post(base + "/set_array?vmin=0&vmax=1&dtype=uint8", data)
            assert status == 200 and body["shape"] == [2, 3]
            want = fw.encode_vcbn(np.array(data, dtype=float), 0.0, 1.0, "uint8")
            await ws.send("resend")
            for _ in range(100):  # skip animation frames already on the way
                buf = await asyncio.wait_for(ws.recv(), 5)
                if buf == want:
                    break
            else:
                pytest.fail("the posted array never came back")
            header, blob = fw.unpack_envelope(buf)
            assert fw.blob_to_ndarray(header, blob).tolist() == [[0, 63, 127], [191, 255, 0]]
            await ws.send("resend")
            assert await asyncio.wait_for(ws.recv(), 5) == want
            # ImgPack's body form, with the default (NaN-ignoring) range.
            status, body = post(base + "/set_array", {"data": [[1, 2], [3, 4]]})
            assert status == 200 and (body["vmin"], body["vmax"]) == (1.0, 4.0)
            status, text = post(base + "/set_array", [[None, None]])
            assert status == 400 and "no default" in text
            assert post(base + "/animate", {})[0] == 200

    asyncio.run(run())
