#!/usr/bin/env bash
# What `make bench` needs besides the venv: Debian's wrk (installed when missing; needs
# root or sudo), and a PostgreSQL server on 127.0.0.1:5432 with trust auth for user
# postgres, as on CI machines (started here if installed but stopped, as .ci/run does).
set -euo pipefail

if [ "$(id -u)" = 0 ]; then sudo=(); else sudo=(sudo); fi

if ! command -v wrk >/dev/null 2>&1; then
  echo "== installing Debian's wrk"
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

# --sqlite runs need no server.
for arg in "$@"; do [ "$arg" = "--sqlite" ] && exit 0; done

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    # A fresh Debian cluster would refuse the bench's password-less TCP login anyway.
    echo "No PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth): start one, or run" >&2
    echo "make bench BENCH_ARGS=--sqlite for a SQLite run." >&2
    exit 1
  fi
  echo "== starting PostgreSQL"
  "${sudo[@]}" pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  pg_isready -h 127.0.0.1 -p 5432 || { echo "PostgreSQL is not answering on 127.0.0.1:5432" >&2; exit 1; }
fi
