"""The README's links lead somewhere, and the course's provenance files are complete."""

from __future__ import annotations

import re

import pytest
import yaml
from helpers import NOTEBOOK_PATHS, ROOT

LINK = re.compile(r"\]\(([^)#\s]+)")


@pytest.mark.parametrize("doc", ["README.md", "CHANGELOG.md", "docs/versioning.md"])
def test_relative_links_resolve(doc):
    """Every relative Markdown link points at a file of the repository."""
    path = ROOT / doc
    targets = [t for t in LINK.findall(path.read_text()) if not re.match(r"[a-z]+:", t)]
    missing = [t for t in targets if not (path.parent / t).exists()]
    assert not missing, f"{doc} links to missing files: {missing}"


def test_readme_points_to_the_course_map_in_the_repository():
    """The README names no file that is not shipped (COURSE.md was the course design's)."""
    readme = (ROOT / "README.md").read_text()
    assert "COURSE.md" not in readme
    for name in ("docs/course-map.md", "CHANGELOG.md", "docs/versioning.md", "CITATION.cff"):
        assert name in readme, f"the README does not link {name}"


def test_course_map_lists_fifteen_assignments_including_every_notebook():
    """The map has the fifteen assignments, and every notebook folder is one of them."""
    text = (ROOT / "docs" / "course-map.md").read_text()
    listed = re.findall(r"^\| (\d\d) \| `(\d\d-[a-z-]+)` \|", text, flags=re.M)
    assert [int(n) for n, _ in listed] == list(range(1, 16))
    names = {name for _, name in listed}
    missing = [p.parent.name for p in NOTEBOOK_PATHS if p.parent.name not in names]
    assert not missing, f"notebooks missing from the course map: {missing}"


def test_citation_matches_the_package():
    """CITATION.cff is valid YAML with the fields CFF 1.2 requires, at the package's version."""
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    for key in ("cff-version", "message", "title", "authors"):
        assert cff.get(key), f"CITATION.cff lacks {key}"
    version = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M)[1]
    assert cff["version"] == version
    assert f"## {version}" in (ROOT / "CHANGELOG.md").read_text()
