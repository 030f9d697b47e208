"""Build the course website: a static site of the student edition (`make site`).

    python docs/site/build.py --out build/site

1. ``resistlab student-edition OUT/student-edition`` (release copies, leak-checked);
2. each release notebook is executed (a stub that raises is left without output, so the page
   shows the statement, the figures the notebook draws and each explorer's static preview);
   every figure gets alt text from :func:`resistlab.accessibility.describe_figure`;
3. Sphinx with MyST-NB renders one page per assignment, the datasheets, the library reference
   (numpydoc docstrings), the errata page and the course map, into ``OUT/html``.

Nothing is fetched, and the site loads nothing from another host: maths is rendered to MathML
at build time (``mathml.py``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
MODULES = [
    "pharmacology", "evolution", "binding", "transport", "apoptosis", "amplification",
    "signalling", "epigenetics", "persisters", "datasets", "plotting", "widgets", "accessibility",
]  # fmt: skip

# Figures' text/plain becomes their alt text. After `%matplotlib inline`, which drops any
# formatter registered for Figure.
SETUP = """\
%matplotlib inline
import IPython
from matplotlib.figure import Figure
from resistlab.accessibility import describe_figure
IPython.get_ipython().display_formatter.formatters["text/plain"].for_type(
    Figure, lambda fig, p, cycle: p.text(describe_figure(fig))
)
"""


def execute(path: Path, timeout: int = 300) -> nbformat.NotebookNode:
    """Run a release copy top to bottom; keep outputs a student would see before answering."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(SETUP))
    NotebookClient(
        nb, timeout=timeout, allow_errors=True, kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()  # fmt: skip
    nb.cells.pop(0)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.outputs = [
            o for o in cell.outputs
            if o.output_type != "error" and not (o.output_type == "stream" and o.name == "stderr")
        ]  # fmt: skip
        alts = [
            o.data["text/plain"]
            for o in cell.outputs
            if o.output_type in ("display_data", "execute_result")
            and "image/png" in o.get("data", {})
            and str(o.data.get("text/plain", "")).startswith("Figure.")
        ]
        if alts:
            cell.metadata.setdefault("mystnb", {})["image"] = {"alt": " ".join(alts)}
    return nb


def write_sources(edition: Path, src: Path) -> None:
    from resistlab.course import Course

    (src / "assignments").mkdir(parents=True)
    names = []
    for path in sorted(edition.glob("notebooks/*/*.ipynb")):
        print(f"executing {path.name}", flush=True)
        nbformat.write(execute(path), src / "assignments" / path.name)
        names.append(path.stem)
    (src / "datasheets").mkdir()
    sheets = sorted(edition.glob("datasheets/*.md"))
    for sheet in sheets:
        shutil.copy(sheet, src / "datasheets" / sheet.name)
    (src / "datasheets" / "index.md").write_text(
        "# Datasheets\n\nWhere every number of every dataset comes from.\n\n```{toctree}\n"
        ":maxdepth: 1\n\n" + "\n".join(s.stem for s in sheets) + "\n```\n"
    )
    reference = ["# Library reference", "", "The `resistlab` package the notebooks use.", ""]
    for module in MODULES:
        directive = f".. automodule:: resistlab.{module}"
        reference += [f"## `resistlab.{module}`", "", "```{eval-rst}", directive,
                      "   :members:", "```", ""]  # fmt: skip
    (src / "reference.md").write_text("\n".join(reference))
    for doc in ("review-errata.md", "course-map.md"):
        shutil.copy(ROOT / "docs" / doc, src / doc)
    import resistlab

    titles = {a.name: a.title for a in Course(ROOT).assignments()}
    (src / "index.md").write_text(
        f"# resistlab — student edition {resistlab.__version__}\n\n"
        "Notebooks on tumour drug resistance. Each assignment states its learning objectives "
        "and estimated time, explains the biology, and asks you to compute with a model and "
        "data; the graded answers are left for you (the tests that grade them are not shown "
        "here). The interactive explorers appear as a still image; run the notebook in "
        "JupyterLab to move their sliders.\n\n"
        "## Assignments\n\n"
        + "\n".join(f"- [{titles.get(n, n)}](assignments/{n}.ipynb)" for n in names)
        + "\n\n```{toctree}\n:maxdepth: 1\n:caption: Assignments\n:hidden:\n\n"
        + "\n".join(f"assignments/{n}" for n in names)
        + "\n```\n\n```{toctree}\n:maxdepth: 1\n:caption: Course\n\ncourse-map\n"
        "datasheets/index\nreference\nreview-errata\n```\n"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "build" / "site"))
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    edition = out / "student-edition"
    proc = subprocess.run(
        [sys.executable, "-m", "resistlab", "--course", str(ROOT), "student-edition", str(edition)]
    )
    if proc.returncode:
        return proc.returncode
    src = out / "src"
    src.mkdir()
    for name in ("conf.py", "mathml.py"):
        shutil.copy(HERE / name, src / name)
    write_sources(edition, src)
    env = dict(os.environ)
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-j", "1", str(src),
         str(out / "html")], env=env,
    ).returncode  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
