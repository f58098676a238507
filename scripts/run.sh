#!/usr/bin/env bash
# Starts everything the site needs for local development and stops all of it on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

# Job control gives every background process its own process group, so cleanup can stop
# each one together with its children (runserver's autoreloader runs a child process).
set -m
pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "Stopped."
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
# Return as soon as any process ends (or Ctrl-C arrives); the EXIT trap stops the rest.
wait -n "${pids[@]}" || true
