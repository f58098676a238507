"""The bench's one table (Markdown, printed and saved) and the machine it ran on."""

import json
import os
import platform
import subprocess
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path


def machine(database_version):
    """What the numbers depend on: CPU, cores, memory, load, software versions."""
    cpu = _cpu()
    memory_gb = None
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        total_kb = next(
            int(line.split()[1]) for line in meminfo.read_text().splitlines() if line.startswith("MemTotal")
        )
        memory_gb = round(total_kb / 1024 / 1024, 1)
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": memory_gb,
        "os": platform.platform(terse=True),
        "python": platform.python_version(),
        "database": database_version,
        "django": version("django"),
        "wagtail": version("wagtail"),
        "gunicorn": version("gunicorn"),
        "wrk": _wrk_version(),
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
    }


def _cpu():
    """The CPU as /proc/cpuinfo names it, with its family/model and clock, since a cloud
    VM may only say "AMD EPYC"; "VM" when running under a hypervisor."""
    cpuinfo = Path("/proc/cpuinfo")
    if not cpuinfo.exists():
        return platform.processor() or "unknown"
    fields = {}
    for line in cpuinfo.read_text().splitlines():
        name, _, value = line.partition(":")
        fields.setdefault(name.strip(), value.strip())
        if not line.strip():
            break
    text = fields.get("model name", "unknown")
    details = []
    if "cpu family" in fields and "model" in fields:
        details.append(f"family {fields['cpu family']} model {fields['model']}")
    if "cpu MHz" in fields:
        details.append(f"{float(fields['cpu MHz']):.0f} MHz")
    if "hypervisor" in fields.get("flags", "").split():
        details.append("VM")
    return f"{text} ({', '.join(details)})" if details else text


def _wrk_version():
    try:
        finished = subprocess.run(["wrk", "--version"], capture_output=True, text=True, timeout=5, check=False)  # noqa: S607
    except OSError:
        return ""
    first = (finished.stdout or finished.stderr).splitlines()
    return first[0].split()[1] if first and len(first[0].split()) > 1 else ""


def scale_label(count):
    return f"{count // 1000}k" if count % 1000 == 0 else str(count)


def machine_line(info):
    load = info.get("load_average_at_start", [])
    return (
        f"{info['date']} · {info['cpu']} · {info['cores']} cores · {info['memory_gb']} GB · "
        f"Python {info['python']} · {info['database']} · Django {info['django']} · Wagtail {info['wagtail']} · "
        f"load average at start {load[0] if load else '?'}"
    )


def _cell_rps(page):
    return f"{page['page']['rps']:.0f} ({page['vs_bare']:.3f})"


def _cell_latency(result):
    return f"{result['p50_ms']:.0f} / {result['p99_ms']:.0f}"


def table(results):
    """One Markdown table: each page at each scale, then webhooks and the hung save."""
    scales = list(results["scales"])
    labels = [scale_label(int(scale)) for scale in scales]
    first = scales[0]
    header = (
        ["page", f"SQL {'/'.join(labels)}"]
        + [f"req/s {label} (× bare)" for label in labels]
        + [f"p50 / p99 ms {label}" for label in labels]
        + [f"CPU ms/req {'/'.join(labels)}", f"{labels[-1]} ÷ {labels[0]}"]
    )
    rows = []
    for key, first_page in results["scales"][first]["pages"].items():
        queries = [results["scales"][scale]["in_process"][key]["queries"] for scale in scales]
        sql = str(queries[0]) if len(set(queries)) == 1 else "/".join(str(q) for q in queries)
        row = [first_page["label"], sql]
        row += [_cell_rps(results["scales"][scale]["pages"][key]) for scale in scales]
        row += [_cell_latency(results["scales"][scale]["pages"][key]["page"]) for scale in scales]
        row.append("/".join(f"{results['scales'][scale]['in_process'][key]['cpu_ms']:.0f}" for scale in scales))
        row.append(f"{results['scaling'][key]:.2f}")
        rows.append(row)
    bare = [
        [
            run
            for page in results["scales"][scale]["pages"].values()
            for run in (page["bare_before"], page["bare_after"])
        ]
        for scale in scales
    ]
    row = ["bare view (mean of its runs)", "0"]
    row += [f"{sum(r['rps'] for r in runs) / len(runs):.0f} (1)" for runs in bare]
    row += [
        f"{sum(r['p50_ms'] for r in runs) / len(runs):.0f} / {sum(r['p99_ms'] for r in runs) / len(runs):.0f}"
        for runs in bare
    ]
    row.append("/".join(f"{results['scales'][scale]['in_process']['bare']['cpu_ms']:.0f}" for scale in scales))
    row.append("")
    rows.append(row)
    blank = [""] * (len(scales) - 1)
    hooks = results.get("webhooks")
    if hooks:
        rows.append(
            [
                f"webhook payment.succeeded ({hooks['distinct_events']} + {hooks['duplicates']} duplicates, "
                f"{hooks['concurrency']} at once)",
                "",
                *blank,
                f"{hooks['events_per_s']:.0f} events/s ({hooks['deliveries_per_s']:.0f} deliveries/s)",
                *blank,
                _cell_latency(hooks),
                "",
                f"{'none lost or doubled' if hooks['ok'] else 'LOST OR DOUBLED'}",
            ]
        )
    save = results.get("product_save")
    if save:
        rows.append(
            [
                f"product save, Dodo hanging {save['hang_seconds']} s (normal in brackets)",
                "",
                *blank,
                "",
                *blank,
                f"{save['hung_p50_ms']:.0f} / {save['hung_max_ms']:.0f} max "
                f"({save['normal_p50_ms']:.0f} / {save['normal_max_ms']:.0f})",
                "",
                "waits on nothing" if save["ok"] else "WAITED ON DODO",
            ]
        )
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def notes(results):
    """The lines under the table: the counts behind its last two rows, and the build times."""
    lines = []
    hooks = results.get("webhooks")
    if hooks:
        if hooks.get("receipts_checked", True):
            receipts = f"{hooks['receipts_queued']} receipts queued"
        else:
            receipts = "receipts not checked (no send_receipt task found)"
        lines.append(
            f"Webhooks: {hooks['deliveries']} signed deliveries of {hooks['distinct_events']} events in "
            f"{hooks['seconds']} s ({hooks['events_per_s']} events/s); answers {hooks['answers']}, retried "
            f"{hooks['retried'] or 'none'}; {hooks['orders_paid']} orders paid, {hooks['events_stored']} events "
            f"stored ({hooks['events_processed']} processed), {hooks['orders_with_one_sale']} orders with one "
            f"ledger sale, {hooks['orders_sold_twice']} with two, {receipts}: "
            f"{hooks['lost']} lost, {hooks['doubled']} doubled."
        )
    save = results.get("product_save")
    if save:
        lines.append(
            f"Product save: {save['saves']} saves while the emulator hung every call for {save['hang_seconds']} s: "
            f"{save['dodo_calls_during_saves']} Dodo calls during them (hangs left {save['hang_calls_left']}), "
            f"{save['sync_tasks_queued']} syncs queued for the worker."
        )
    builds = []
    for scale, data in results["scales"].items():
        build = data["build"]
        builds.append(f"{scale_label(int(scale))} {sum(build['seconds'].values()):.0f} s")
    lines.append("Data built in bulk: " + ", ".join(builds) + " (each step adds to the one before).")
    return lines


def finish(results):
    """Add the table, its notes and the whole Markdown text to ``results``."""
    results["table"] = table(results)
    results["notes"] = notes(results)
    results["markdown"] = "\n".join(
        [f"Measured {machine_line(results['machine'])}", "", results["table"], "", *results["notes"]]
    )
    return results


def write(results, path):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    markdown = path.with_suffix(".md")
    markdown.write_text(results["markdown"] + "\n")
    return path, markdown
