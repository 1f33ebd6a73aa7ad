"""Peak memory of one call, in a fresh process, seen the way the kernel sees it.

python-calamine allocates in Rust, outside Python's allocator, so `tracemalloc` would miss
the baseline's memory (and the reader's share of the service's). Each side therefore runs
in a fresh subprocess that does its imports and set-up, resets the kernel's high-water mark
(`/proc/self/clear_refs` ← 5, Linux), notes its resident set, makes the call once and reads
the high-water mark (`VmHWM`): the peak is the growth of the resident set during the call.
Where the mark cannot be reset (not Linux), it falls back to `ru_maxrss` after the call
minus the resident set before it.

Run by the harness as `python -m bench.memory ingest|calamine FILE [...]`; prints JSON.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _status_kb(field: str) -> int | None:
    """Return a field of /proc/self/status in KiB, or None off Linux."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_high_water_mark() -> bool:
    """Reset the kernel's peak resident set of this process; False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return _status_kb("VmHWM") is not None


def _maxrss_bytes() -> int:
    """Return ru_maxrss in bytes (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def peak_growth(call: Callable[[], object]) -> dict:
    """Return by how many bytes the resident set peaked above its level before `call`."""
    gc.collect()
    if _reset_high_water_mark():
        before = _status_kb("VmRSS") * 1024
        call()
        return {"bytes": _status_kb("VmHWM") * 1024 - before, "method": "VmHWM after clear_refs"}
    before = (_status_kb("VmRSS") or 0) * 1024 or _maxrss_bytes()
    call()
    return {"bytes": _maxrss_bytes() - before, "method": "ru_maxrss minus resident set before"}


def measure_in_subprocess(args: list[str], *, timeout: float) -> dict:
    """Run `python -m bench.memory ARGS` in a fresh interpreter and return what it measured."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-m", "bench.memory", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"memory subprocess failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- what runs in the subprocess -------------------------------------------------------------


def _calamine(content: bytes) -> Callable[[], object]:
    from bench.floor import calamine_rows

    return lambda: calamine_rows(content)


def _ingest(content: bytes, options: argparse.Namespace) -> Callable[[], object]:
    from bench.ingest import submit_rolled_back
    from planround.server.db import make_engine

    engine = make_engine(options.database_url)
    return lambda: submit_rolled_back(engine, options.round, options.unit, options.user, content,
                                      max_cells=options.max_cells)


def main(argv: list[str] | None = None) -> None:
    """Measure one side once and print {"bytes", "method"} as JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("ingest", "calamine"))
    parser.add_argument("file", type=Path)
    parser.add_argument("--database-url")
    parser.add_argument("--round")
    parser.add_argument("--unit")
    parser.add_argument("--user")
    parser.add_argument("--max-cells", type=int)
    options = parser.parse_args(argv)
    content = options.file.read_bytes()
    call = _calamine(content) if options.mode == "calamine" else _ingest(content, options)
    print(json.dumps(peak_growth(call)))


if __name__ == "__main__":
    main()
