#!/usr/bin/env bash
# A folder written by `framewire publish`, served at /i/ by Debian's nginx
# (with examples/nginx/framewire.conf and the brotli static module) and by
# the demo, both on loopback, and checked with the same header tests
# (tests/abuse/origin_headers.py).
#
# With BENCH=1, also the origin benchmark of the README: wrk -t2 -c50 -d20s
# on /i/aurora.png.sac (256 KB) against both, in one run (a benchmark, not a
# timed test: nothing fails on the figures).
#
# Needs python3; installs Debian's nginx, libnginx-mod-http-brotli-static (and
# wrk for BENCH=1) if they are missing. The nginx tested here runs as a child
# on a free loopback port with its own configuration; the package's own
# service, if any, is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
# Debian's nginx and its brotli static module (and wrk for BENCH=1),
# installed here if missing.
pkgs=(nginx libnginx-mod-http-brotli-static)
[ "${BENCH:-0}" = 1 ] && pkgs+=(wrk)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
nginx_bin="${NGINX:-/usr/sbin/nginx}"
brotli_module=/usr/lib/nginx/modules/ngx_http_brotli_static_module.so
[ -x "$nginx_bin" ] || { echo "nginx.sh: $nginx_bin not found (apt-get install nginx libnginx-mod-http-brotli-static)" >&2; exit 1; }
[ -f "$brotli_module" ] || { echo "nginx.sh: $brotli_module not found (apt-get install libnginx-mod-http-brotli-static)" >&2; exit 1; }
echo "== $("$nginx_bin" -v 2>&1)"

echo "== building the demo and the CLI (release)"
cargo build --quiet --release --features cli --bin framewire
cargo build --quiet --release -p framewire-demo
demo="$target/release/framewire-demo"

work="$(mktemp -d)"
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_url() {
  for _ in $(seq 1 100); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "nginx.sh: $1 did not answer" >&2; return 1
}

echo "== the folder: the demo's images, then framewire publish"
TMPDIR="$work" "$demo" --port 0 >"$work/gen.log" 2>&1 &
gen=$!
for _ in $(seq 1 300); do grep -q '^framewire demo: serving' "$work/gen.log" && break; sleep 0.1; done
kill "$gen"; wait "$gen" 2>/dev/null || true
pub="$work/pub"
mkdir "$pub"
cp "$work/framewire-demo-images-v2/"* "$pub/"
"$target/release/framewire" publish --content-addressed "$pub"
chmod -R a+rX "$pub"

echo "== nginx on loopback"
nginx_port="$(free_port)"
mkdir -p "$work/nginx"
sed -e "s|/srv/framewire|$pub|g" -e "s|listen 127.0.0.1:8080;|listen 127.0.0.1:$nginx_port;|" \
  examples/nginx/framewire.conf >"$work/nginx/site.conf"
cat >"$work/nginx/nginx.conf" <<CONF
load_module $brotli_module;
worker_processes auto;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    include $work/nginx/site.conf;
}
CONF
"$nginx_bin" -t -q -c "$work/nginx/nginx.conf" -p "$work/nginx"
"$nginx_bin" -c "$work/nginx/nginx.conf" -p "$work/nginx" &
pids+=($!)
wait_url "http://127.0.0.1:$nginx_port/i/aurora.png"

echo "== the demo on the same folder"
demo_port="$(free_port)"
"$demo" --port "$demo_port" --images "$pub" >"$work/demo.log" 2>&1 &
pids+=($!)
wait_url "http://127.0.0.1:$demo_port/i/aurora.png"

# NGINX_HOLD=SECS keeps both servers up that long before the checks (to probe them by hand).
if [ -n "${NGINX_HOLD:-}" ]; then echo "nginx on $nginx_port, folder $pub"; sleep "$NGINX_HOLD"; fi
status=0
echo "== header checks: nginx"
# nginx follows symbolic links as configured (see the config): not checked there.
ORIGIN_FOLLOWS_SYMLINKS=1 python3 tests/abuse/origin_headers.py "http://127.0.0.1:$nginx_port/i/" "$pub" || status=1
echo "== header checks: the demo"
python3 tests/abuse/origin_headers.py "http://127.0.0.1:$demo_port/i/" "$pub" || status=1
[ "$status" = 0 ] || { cat "$work/nginx/error.log" >&2; exit 1; }

if [ "${BENCH:-0}" = 1 ]; then
  command -v wrk >/dev/null || { echo "nginx.sh: BENCH=1 needs wrk (apt-get install wrk)" >&2; exit 1; }
  echo "== wrk -t2 -c50 -d20s --latency /i/aurora.png.sac ($(stat -c %s "$pub/aurora.png.sac") bytes)"
  for who in nginx demo; do
    port=$nginx_port; [ "$who" = demo ] && port=$demo_port
    wrk -t2 -c50 -d20s --latency "http://127.0.0.1:$port/i/aurora.png.sac" >"$work/wrk-$who.txt"
    rps="$(awk '/^Requests\/sec/ {print $2}' "$work/wrk-$who.txt")"
    p99="$(awk '$1 == "99%" {print $2}' "$work/wrk-$who.txt")"
    errors="$(grep -E 'Non-2xx|Socket errors' "$work/wrk-$who.txt" || true)"
    echo "   $who: $rps requests/s, p99 $p99 ${errors:+($errors)}"
    eval "rps_$who=$rps"
  done
  python3 -c "print(f'   demo/nginx: {$rps_demo / $rps_nginx:.2f}x')"
fi
echo "nginx.sh: nginx and the demo give the same answers"
