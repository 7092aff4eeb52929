#!/usr/bin/env bash
# Open311 conformance with a real client: installs the PyPI client georeport 0.3.1 in a
# virtual environment, starts `minhu serve --demo` (debug build) on a free loopback port
# with a fresh SQLite database and an Open311 key, and runs tests/open311/georeport_client.py
# against it in JSON and in XML. Called by .ci/run; runs alone from the checkout too.
set -euo pipefail
cd "$(dirname "$0")/../.."
WORK=$(mktemp -d /tmp/minhu-open311.XXXXXX)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

if ! python3 -m venv "$WORK/venv" >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  python3 -m venv "$WORK/venv"
fi
"$WORK/venv/bin/pip" install -q --disable-pip-version-check georeport==0.3.1

cargo build -q -p minhu
BIN=target/debug/minhu
DB="sqlite://$WORK/open311.db"
KEY=$("$BIN" --database "$DB" open311 key issue --name ci-georeport)
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$BIN" --database "$DB" serve --demo --listen "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 120); do
  if python3 -c "import urllib.request, sys; urllib.request.urlopen('http://127.0.0.1:$PORT/healthz', timeout=1)" 2>/dev/null; then break; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then cat "$WORK/serve.log"; echo "server exited"; exit 1; fi
  sleep 1
done
status=0
for fmt in json xml; do
  "$WORK/venv/bin/python" tests/open311/georeport_client.py \
    --base "http://127.0.0.1:$PORT/open311/v2" --format "$fmt" --api-key "$KEY" || status=1
done
if [ "$status" != 0 ]; then tail -n 50 "$WORK/serve.log"; fi
exit "$status"
