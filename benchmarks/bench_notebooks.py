"""Time to execute each source notebook vs a bare kernel that only imports the stack.

Both run through nbclient in a fresh kernel, interleaved, several times; the difference is
the notebook's own work. Target: under 1 s beyond the bare kernel.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from _util import print_table, summary_ms
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
BARE = (
    "import numpy, pandas, scipy.optimize, scipy.stats, ipywidgets\n"
    "import matplotlib.pyplot as plt\n"
    "import resistlab"
)


def run(nb, cwd: Path) -> float:
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    )
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def main(repeats: int = 3) -> None:
    paths = sorted(ROOT.glob("notebooks/[0-9][0-9]-*/[0-9][0-9]-*.ipynb"))
    if len(sys.argv) > 1:
        paths = [p for p in paths if any(a in p.name for a in sys.argv[1:])]
    bare_nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(BARE)])
    samples = {"bare kernel + imports": []} | {p.parent.name: [] for p in paths}
    for _ in range(repeats):
        samples["bare kernel + imports"].append(run(bare_nb, ROOT))
        for path in paths:
            samples[path.parent.name].append(run(nbformat.read(path, as_version=4), path.parent))
    base = summary_ms(samples["bare kernel + imports"])[0]
    rows = []
    for name, times in samples.items():
        median, _ = summary_ms(times)
        own = median - base
        verdict = "" if name.startswith("bare") else ("ok" if own < 1000 else "SLOW")
        rows.append((name, f"{median:.0f}", f"{own:+.0f}", verdict))
    print(f"Notebook execution, median of {repeats} runs (fresh kernel each)\n")
    print_table(("notebook", "median ms", "own work ms", "< 1 s"), rows)


if __name__ == "__main__":
    main()
