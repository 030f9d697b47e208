"""The package surface: version, lazy imports, explicit __all__ everywhere."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from importlib.metadata import version

import resistlab


def test_version_from_metadata():
    """resistlab.__version__ is the installed distribution's version."""
    assert resistlab.__version__ == version("resistlab")


def test_public_modules_declare_all():
    """Every public module has an explicit __all__ whose names exist."""
    for info in pkgutil.walk_packages(resistlab.__path__, "resistlab."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        module = importlib.import_module(info.name)
        assert hasattr(module, "__all__"), info.name
        for name in module.__all__:
            assert hasattr(module, name), f"{info.name}.__all__ lists missing {name}"


def test_lazy_submodules_resolve():
    """Every name in resistlab._SUBMODULES imports as an attribute."""
    for name in resistlab._SUBMODULES:
        assert getattr(resistlab, name).__name__ == f"resistlab.{name}"


def test_import_is_light():
    """`import resistlab` loads neither scipy, matplotlib nor ipywidgets."""
    heavy = ("scipy", "matplotlib", "ipywidgets", "pandas")
    code = f"import sys, resistlab; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_unknown_attribute_is_an_attribute_error():
    """A misspelt submodule raises AttributeError naming it."""
    try:
        resistlab.pharmacologie  # noqa: B018
    except AttributeError as err:
        assert "pharmacologie" in str(err)
    else:
        raise AssertionError("expected AttributeError")


def test_science_never_imports_the_platform():
    """No module outside resistlab.course imports it: the science stands without the platform."""
    import ast
    from pathlib import Path

    root = Path(resistlab.__file__).parent
    offenders = []
    for path in sorted(root.rglob("*.py")):
        if (root / "course") in path.parents or path.name == "__main__.py":
            continue  # the platform itself, and `python -m resistlab`, its command
        package = ["resistlab", *path.relative_to(root).parent.parts]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = package[: len(package) - node.level + 1] if node.level else []
                module = ".".join(base + ([node.module] if node.module else []))
                names = [module] + [f"{module}.{a.name}" for a in node.names]
            if any(n == "resistlab.course" or n.startswith("resistlab.course.") for n in names):
                offenders.append(str(path.relative_to(root)))
    assert not offenders, f"science modules importing resistlab.course: {offenders}"
