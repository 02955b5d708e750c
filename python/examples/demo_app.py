"""The ImgPack FastAPI demo, on framewire.

    pip install ./python fastapi 'uvicorn[standard]'
    uvicorn demo_app:app --app-dir python/examples --port 8765

serves framewire's demo page (examples/demo/static/: index.html, app.js and
the browser decoder framewire.js with the modules it imports) and streams VCBN frames encoded by the
framewire package over the WebSocket /ws: an animated 144x256 pattern about
30 times a second, or the array last posted to /set_array. Any text message
on the WebSocket ("resend") gets the current frame again.

Routes: GET /, /framewire.js (+ /imgpack.js, /json.js, /common.js), /app.js,
/style.css; WS /ws; POST /set_array
(a JSON 2-D list, null = NaN, or ImgPack's {"data": [[...]]};
?vmin=&vmax=&dtype=uint8|uint16, the range defaulting to the NaN-ignoring
min/max); POST /animate; GET /api/state; GET /api/images (no image folder
here: an empty list, and the page shows the live stream alone).
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any, Optional

import numpy as np
from fastapi import Body, FastAPI, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse

import framewire

STATIC = Path(os.environ.get("FRAMEWIRE_STATIC", Path(__file__).resolve().parents[2] / "examples" / "demo" / "static"))
H, W = 144, 256
FPS = 30

app = FastAPI(title="framewire demo (Python)")


class State:
    fixed: Optional[bytes] = None  # the envelope of the posted array
    seq = 0


state = State()
_y = np.linspace(0, 1, H, dtype=np.float32)[:, None]
_x = np.linspace(0, 1, W, dtype=np.float32)[None, :]


def animated(t: float) -> np.ndarray:
    """The ImgPack demo's pattern, moving with t."""
    return 0.5 + 0.5 * np.sin(10 * (_x**2 + _y**2) - 3 * t) * np.exp(-2 * ((_x - 0.5) ** 2 + (_y - 0.5) ** 2))


def current_frame() -> bytes:
    if state.fixed is not None:
        return state.fixed
    return framewire.encode_vcbn(animated(time.monotonic()), 0.0, 1.0, "uint16")


def _static(name: str, media_type: str) -> FileResponse:
    return FileResponse(STATIC / name, media_type=media_type, headers={"Cache-Control": "no-cache"})


@app.get("/")
def index():
    return _static("index.html", "text/html")


# The browser decoder: framewire.js and the modules it imports.
DECODER_MODULES = ("framewire.js", "imgpack.js", "json.js", "common.js")


def _module_route(name: str) -> None:
    app.add_api_route(f"/{name}", lambda: _static(name, "text/javascript"), methods=["GET"])


for _name in DECODER_MODULES:
    _module_route(_name)


@app.get("/app.js")
def app_js():
    return _static("app.js", "text/javascript")


@app.get("/style.css")
def style_css():
    return _static("style.css", "text/css")


@app.get("/api/state")
def api_state():
    return {"mode": "fixed" if state.fixed is not None else "animated", "seq": state.seq}


@app.get("/api/images")
def api_images():
    return []


@app.post("/set_array")
def set_array(body: Any = Body(...), vmin: Optional[float] = None, vmax: Optional[float] = None, dtype: str = "uint16"):
    if isinstance(body, dict):
        body = body.get("data")
    try:
        arr = np.asarray(body, dtype=np.float64)  # null (None) is NaN
        if arr.ndim != 2 or arr.size == 0:
            raise ValueError(f"data must be a non-empty 2-D list, got shape {list(arr.shape)}")
        state.fixed = framewire.encode_vcbn(arr, vmin, vmax, dtype)
    except (TypeError, ValueError) as e:  # FramewireError is a ValueError
        return PlainTextResponse(str(e), status_code=400)
    header, _ = framewire.unpack_envelope(state.fixed)
    return {"ok": True, "shape": header["shape"], "vmin": header["vmin"], "vmax": header["vmax"]}


@app.post("/animate")
def animate():
    state.fixed = None
    return {"ok": True}


@app.websocket("/ws")
async def ws(sock: WebSocket):
    await sock.accept()

    async def resend():
        while True:
            await sock.receive_text()  # any message: the current frame again
            await sock.send_bytes(current_frame())

    listener = asyncio.create_task(resend())
    try:
        while not listener.done():
            if state.fixed is None:
                state.seq += 1
                await sock.send_bytes(current_frame())
            await asyncio.wait({listener}, timeout=1 / FPS)
        listener.result()
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        listener.cancel()


@app.exception_handler(framewire.FramewireError)
def bad_frame(_request, exc):
    return JSONResponse({"error": str(exc), "code": exc.code}, status_code=400)
