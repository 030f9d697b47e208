"""Rebuild every dataset from its generator and rewrite the SHA-256 registry.

Each ``generators/<name>.py`` defines ``generate() -> pandas.DataFrame``:
for published data it holds the transcribed values with their citations,
for simulated data the seeded simulation. This script writes ``<name>.csv``
with :func:`resistlab.datasets.to_csv_bytes` and records the checksum of
every ``.csv`` and ``.md`` file in ``SHA256SUMS``.

Usage: ``python data/build.py`` (``make data``), or ``python data/build.py --check``
to verify without writing (exit status 1 on any difference).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import sys
from pathlib import Path

from resistlab.datasets import REGISTRY_FILE, to_csv_bytes

HERE = Path(__file__).resolve().parent


def generators() -> dict[str, Path]:
    return {p.stem: p for p in sorted((HERE / "generators").glob("*.py")) if p.stem != "__init__"}


def build(name: str) -> bytes:
    spec = importlib.util.spec_from_file_location(f"_generator_{name}", generators()[name])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return to_csv_bytes(module.generate())


def registry_text() -> str:
    lines = []
    for path in sorted(HERE.glob("*.csv")) + sorted(HERE.glob("*.md")):
        if path.name == "README.md":
            continue
        lines.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.name}")
    return "\n".join(sorted(lines, key=lambda line: line.split()[1])) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify, do not write")
    args = parser.parse_args(argv)
    problems = []
    for name in generators():
        data = build(name)
        target = HERE / f"{name}.csv"
        if not (HERE / f"{name}.md").is_file():
            problems.append(f"{name}: no datasheet {name}.md")
        if args.check:
            if not target.is_file() or target.read_bytes() != data:
                problems.append(f"{name}.csv differs from what generators/{name}.py produces")
        else:
            target.write_bytes(data)
    registry = registry_text()
    if args.check:
        if (HERE / REGISTRY_FILE).read_text() != registry:
            problems.append(f"{REGISTRY_FILE} is out of date")
    else:
        (HERE / REGISTRY_FILE).write_text(registry)
    for line in problems:
        print(line, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
