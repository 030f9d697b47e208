"""resistlab: models, data and explorers for a course on tumour drug resistance.

Submodules are imported on first use (``resistlab.pharmacology``,
``resistlab.evolution``, ``resistlab.datasets``, ``resistlab.plotting``,
``resistlab.widgets``, ...), so ``import resistlab`` stays cheap and does not
pull in scipy, matplotlib or ipywidgets.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("resistlab")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

_SUBMODULES = (
    "adaptive",
    "amplification",
    "apoptosis",
    "binding",
    "datasets",
    "epigenetics",
    "dna_repair",
    "efflux",
    "evolution",
    "immunology",
    "microenvironment",
    "persisters",
    "pharmacology",
    "pk",
    "plotting",
    "precision",
    "signalling",
    "stem_cells",
    "survival",
    "synergy",
    "transport",
    "widgets",
)

__all__ = ["__version__", *_SUBMODULES]


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
