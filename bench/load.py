"""Running wrk (Debian's ``wrk`` package) against one URL and reading its numbers."""

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

REPORT_SCRIPT = Path(__file__).resolve().parent / "wrk_report.lua"


class LoadError(Exception):
    """wrk failed, or the server answered errors while it ran."""


@dataclass(frozen=True)
class LoadSettings:
    duration: int = 6
    threads: int = 2
    connections: int = 8
    # Long enough that a slow page is measured, not counted as a timeout.
    timeout: int = 30


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    bytes_per_response: int
    errors: int

    def as_dict(self):
        return {
            "requests": self.requests,
            "seconds": round(self.seconds, 2),
            "rps": round(self.rps, 1),
            "p50_ms": round(self.p50_ms, 1),
            "p90_ms": round(self.p90_ms, 1),
            "p99_ms": round(self.p99_ms, 1),
            "max_ms": round(self.max_ms, 1),
            "bytes_per_response": self.bytes_per_response,
            "errors": self.errors,
        }


def wrk_path():
    return shutil.which("wrk")


def run_wrk(url, settings, headers=(), *, warm_up=False):
    """Load ``url`` for ``settings.duration`` seconds; raises LoadError on any error answer.

    A ``warm_up`` run may finish no request at all (a page slower than the run).
    """
    command = [
        wrk_path() or "wrk",
        f"--threads={settings.threads}",
        f"--connections={settings.connections}",
        f"--duration={settings.duration}s",
        f"--timeout={settings.timeout}s",
        f"--script={REPORT_SCRIPT}",
    ]
    for header in headers:
        command += ["--header", header]
    command.append(url)
    finished = subprocess.run(  # noqa: S603 - wrk with our own arguments
        command, capture_output=True, text=True, timeout=settings.duration + settings.timeout + 30, check=False
    )
    line = next((ln for ln in finished.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if finished.returncode != 0 or line is None:
        raise LoadError(f"wrk failed on {url} (exit {finished.returncode}): {finished.stderr or finished.stdout}")
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    errors = sum(raw[name] for name in raw if name.startswith("errors_"))
    if raw["errors_status"] or (raw["requests"] == 0 and not warm_up):
        raise LoadError(f"{url}: {raw['errors_status']} of {raw['requests']} answers were not 2xx/3xx")
    seconds = raw["duration_us"] / 1e6
    return LoadResult(
        requests=raw["requests"],
        seconds=seconds,
        rps=raw["requests"] / seconds,
        p50_ms=raw["p50_us"] / 1000,
        p90_ms=raw["p90_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        bytes_per_response=raw["bytes"] // max(raw["requests"], 1),
        errors=errors,
    )
