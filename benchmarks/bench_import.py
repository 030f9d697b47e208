"""How much does `import resistlab` add to importing pandas?

Each case runs in a fresh interpreter, interleaved, several times; the table shows the
median wall time per case and the difference from `import pandas`. Target: `import
resistlab` adds under 0.3 s to `import pandas`.
"""

from __future__ import annotations

import subprocess
import sys
import time

from _util import print_table, summary_ms

CASES = {
    "python (nothing)": "pass",
    "import pandas": "import pandas",
    "import pandas, resistlab": "import pandas, resistlab",
    "import pandas, resistlab.datasets": "import pandas, resistlab.datasets",
    "import pandas, resistlab.pharmacology": "import pandas, resistlab.pharmacology",
    "import pandas, resistlab.widgets (full stack)": "import pandas, resistlab.widgets",
}


def main(repeats: int = 7) -> None:
    samples = {name: [] for name in CASES}
    for _ in range(repeats):
        for name, code in CASES.items():
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            samples[name].append(time.perf_counter() - start)
    base = summary_ms(samples["import pandas"])[0]
    rows = []
    for name in CASES:
        median, p95 = summary_ms(samples[name])
        rows.append((name, f"{median:.0f}", f"{p95:.0f}", f"{median - base:+.0f}"))
    print(f"Import time, {repeats} fresh interpreters per case\n")
    print_table(("case", "median ms", "p95 ms", "vs pandas ms"), rows)
    added = summary_ms(samples["import pandas, resistlab"])[0] - base
    print(f"\nimport resistlab adds {added:.0f} ms to import pandas (target < 300 ms)")


if __name__ == "__main__":
    main()
