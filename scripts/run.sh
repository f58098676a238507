#!/usr/bin/env bash
# Starts everything the site needs for local development and stops all of it on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

if "$PYTHON" manage.py help dodo_emulator >/dev/null 2>&1; then
  "$PYTHON" manage.py dodo_emulator --port "$EMULATOR_PORT" &
  pids+=($!)
  echo "Dodo emulator on http://127.0.0.1:$EMULATOR_PORT (payments, refunds: /_emulator/)"
fi

"$PYTHON" manage.py runserver "$HOST:$PORT" &
pids+=($!)
echo "Site on http://$HOST:$PORT (editors: /admin/). Ctrl-C stops everything."
wait -n "${pids[@]}"
