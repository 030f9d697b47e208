"""Shipped datasets: registry, checksums, datasheets, provenance and regeneration."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys

import pandas as pd
import pytest
from helpers import ROOT

from resistlab import datasets

NAMES = datasets.list_datasets()
SHEET_SECTIONS = ("Source quality", "Citation", "Columns", "How it was made", "Verification")


def test_registry_covers_every_data_file():
    """SHA256SUMS lists every CSV and datasheet in data/, and nothing else."""
    on_disk = {p.name for p in (ROOT / "data").glob("*.csv")} | {
        p.name for p in (ROOT / "data").glob("*.md") if p.name != "README.md"
    }
    assert set(datasets.registry()) == on_disk


@pytest.mark.parametrize("filename", sorted(datasets.registry()))
def test_checksums_match(filename):
    """Every registered file has the SHA-256 the registry records."""
    digest = hashlib.sha256((datasets.data_dir() / filename).read_bytes()).hexdigest()
    assert digest == datasets.registry()[filename]


def test_every_dataset_has_a_generator_and_a_datasheet():
    """Each CSV has data/generators/<name>.py and data/<name>.md."""
    assert NAMES, "no datasets shipped"
    for name in NAMES:
        assert (ROOT / "data" / "generators" / f"{name}.py").is_file(), name
        assert (ROOT / "data" / f"{name}.md").is_file(), name


@pytest.mark.parametrize("name", NAMES)
def test_datasheet_sections(name):
    """A datasheet names its source quality, citations, columns, making and verification."""
    sheet = datasets.datasheet(name)
    for section in SHEET_SECTIONS:
        assert re.search(rf"^#+\s*{section}", sheet, flags=re.M | re.I), f"{name}: {section}"


@pytest.mark.parametrize("name", NAMES)
def test_rows_carry_citation_and_quality(name):
    """Every row has a citation and a known source_quality (incl. unattributed)."""
    df = datasets.load(name)
    assert isinstance(df, pd.DataFrame) and len(df) > 0
    assert {"citation", "source_quality"} <= set(df.columns), name
    assert df["citation"].notna().all() and (df["citation"].str.strip() != "").all()
    assert set(df["source_quality"]) <= {"primary", "secondary", "simulated", "unattributed"}
    sheet = datasets.datasheet(name)
    for column in df.columns:
        assert f"`{column}`" in sheet or f"| {column} " in sheet, (
            f"{name}: column {column} undocumented"
        )
    if (df["source_quality"] == "simulated").any():
        assert re.search(r"seed", sheet, flags=re.I), f"{name}: simulated data name their seed"


def test_generators_reproduce_the_files_byte_for_byte():
    """`python data/build.py --check` regenerates every CSV identically and the registry."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "data" / "build.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr


def test_unknown_dataset_lists_the_known_ones():
    """load() of an unknown name says which names exist."""
    with pytest.raises(ValueError, match=r"the datasets are: .*luria_delbruck_1943"):
        datasets.load("luria_delbruck_1944")


def test_tampered_file_is_refused(tmp_path, monkeypatch):
    """A file whose bytes no longer match the registry is refused, not loaded."""
    name = NAMES[0]
    for f in (ROOT / "data").iterdir():
        if f.is_file():
            (tmp_path / f.name).write_bytes(f.read_bytes())
    with open(tmp_path / f"{name}.csv", "ab") as handle:
        handle.write(b"1,2,3\n")
    monkeypatch.setattr(datasets, "data_dir", lambda: tmp_path)
    with pytest.raises(OSError, match="does not match its SHA-256"):
        datasets.load(name)
