#!/usr/bin/env bash
# `make run`: everything the site needs for local development, stopped together on Ctrl-C.
#   1. the Dodo emulator (its state kept in .emulator-state.json, as Dodo does not forget)
#   2. migrations and demo data (synced to the emulator as they are created)
#   3. the site, and a loop that retries failed Dodo syncs (the production task worker's job)
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

"$PYTHON" manage.py dodo_emulator --port "$EMULATOR_PORT" --state-file .emulator-state.json --quiet &
pids+=($!)
for _ in $(seq 1 50); do
  "$PYTHON" -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 0.2)" "$EMULATOR_PORT" \
    2>/dev/null && break
  sleep 0.2
done

"$PYTHON" manage.py migrate --noinput
"$PYTHON" manage.py seed_demo
# Anything the emulator does not have yet (a fresh state file, an earlier failure).
"$PYTHON" manage.py dodo_sync

"$PYTHON" manage.py runserver "$HOST:$PORT" &
pids+=($!)
"$PYTHON" manage.py dodo_sync --watch 30 &
pids+=($!)

echo
echo "Site:          http://$HOST:$PORT   (editors: http://$HOST:$PORT/admin/)"
echo "Dodo emulator: http://127.0.0.1:$EMULATOR_PORT/_emulator/   (payments, refunds)"
echo "Ctrl-C stops everything."
# Return as soon as any process ends (or Ctrl-C arrives); the EXIT trap stops the rest.
wait -n "${pids[@]}" || true
