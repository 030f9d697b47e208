"""What one student costs a hub: peak kernel memory and CPU time per assignment.

Each source notebook runs top to bottom in a fresh kernel (as a student's *Restart and Run
All*), then every explorer it shows is driven through its controls (each control swept over
10 values, as a student playing with the sliders would). The kernel's peak resident memory
(``VmHWM``) and CPU time (user + system) are read from ``/proc`` before it shuts down. A
JupyterLab server is started on loopback alongside to measure the single-user server's own
memory. From these, the per-user memory guarantee and limit for a hub are printed.

    python benchmarks/bench_hub_sizing.py [NN ...]
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from _util import print_table
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]

SWEEP = r"""
import gc
from resistlab.widgets._base import Explorer
_moves = 0
for _ex in [o for o in gc.get_objects() if isinstance(o, Explorer)]:
    for _c in _ex.controls.values():
        _start = _c.value
        if hasattr(_c, "options") and _c.options:
            _values = [o[1] if isinstance(o, tuple) else o for o in _c.options][:10]
        elif hasattr(_c, "min") and hasattr(_c, "max"):
            _values = [_c.min + (_c.max - _c.min) * k / 9 for k in range(10)]
        else:
            _values = []
        for _v in _values:
            try:
                _c.value = type(_start)(_v) if isinstance(_start, (int, float)) else _v
            except Exception:
                continue
            _moves += 1
        _c.value = _start
print(_moves)
"""


def _proc(pid: int) -> tuple[float, float]:
    """Peak resident memory (MiB) and CPU seconds (user + system) of a process."""
    status = Path(f"/proc/{pid}/status").read_text()
    hwm_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return hwm_kb / 1024, (int(fields[11]) + int(fields[12])) / ticks


def measure(path: Path) -> tuple[float, float, float, int]:
    """Run one notebook and sweep its explorers; return MiB, CPU s, wall s, slider moves."""
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(SWEEP))
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    start = time.perf_counter()
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        wall = time.perf_counter() - start
        pid = client.km.provisioner.process.pid
        mib, cpu = _proc(pid)
    moves = int("".join(o.get("text", "") for o in nb.cells[-1].outputs).strip() or 0)
    return mib, cpu, wall, moves


def lab_server_mib() -> float:
    """Resident memory of an idle JupyterLab server right after it answers on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
               "--ServerApp.ip=127.0.0.1", "--ServerApp.token=", f"--ServerApp.root_dir={tmp}",
               "--allow-root"]  # fmt: skip
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.3)
            time.sleep(2)
            status = Path(f"/proc/{proc.pid}/status").read_text()
            return next(int(ln.split()[1]) for ln in status.splitlines()
                        if ln.startswith("VmRSS")) / 1024  # fmt: skip
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def main() -> int:
    paths = sorted(ROOT.glob("notebooks/[0-9][0-9]-*/[0-9][0-9]-*.ipynb"))
    if len(sys.argv) > 1:
        paths = [p for p in paths if any(p.name.startswith(a) for a in sys.argv[1:])]
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    rows, peaks = [], []
    for path in paths:
        mib, cpu, wall, moves = measure(path)
        peaks.append(mib)
        rows.append((path.parent.name, f"{mib:.0f}", f"{cpu:.1f}", f"{wall:.1f}", moves))
    server = lab_server_mib()
    print("Per assignment: a fresh kernel runs the notebook top to bottom, then every explorer")
    print("control is swept over 10 values. Peak = the kernel's VmHWM.\n")
    print_table(("assignment", "peak MiB", "CPU s", "wall s", "slider moves"), rows)
    worst = max(peaks)
    guarantee = server + worst
    print(f"\nIdle JupyterLab server: {server:.0f} MiB resident.")
    print(
        f"One student with one kernel open: {guarantee:.0f} MiB "
        f"(server + the heaviest kernel, {worst:.0f} MiB)."
    )
    print(
        f"Suggested hub sizing: guarantee {_round_up(guarantee)} MiB per user, limit "
        f"{_round_up(server + 2 * worst)} MiB (two kernels open at once)."
    )
    return 0


def _round_up(mib: float, step: int = 128) -> int:
    return int(-(-mib // step) * step)


if __name__ == "__main__":
    sys.exit(main())
