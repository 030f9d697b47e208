"""Sphinx configuration of the course website (the student edition; built by `make site`).

Offline by construction: maths is rendered to MathML at build time (``mathml.py``, beside this
file), no widget JavaScript is loaded (explorers show their static preview), and the theme is
Sphinx's own Alabaster, which loads no web fonts.
"""

import sys
from pathlib import Path

import resistlab

project = "resistlab"
author = "The resistlab authors"
copyright = "the resistlab authors; content CC BY 4.0, code MIT"
release = version = resistlab.__version__
html_title = f"resistlab {release} — student edition"

sys.path.insert(0, str(Path(__file__).parent))
extensions = ["myst_nb", "sphinx.ext.autodoc", "numpydoc", "mathml"]
myst_enable_extensions = ["dollarmath", "amsmath"]
nb_execution_mode = "off"  # executed beforehand by build.py
nb_ipywidgets_js = {}
nb_mime_priority_overrides = [
    ("html", "application/vnd.jupyter.widget-view+json", None),
    ("html", "application/vnd.jupyter.widget-state+json", None),
]
numpydoc_show_class_members = False
numpydoc_validation_checks = set()
autodoc_typehints = "none"

html_theme = "alabaster"
html_theme_options = {
    "font_family": "DejaVu Sans, sans-serif",
    "head_font_family": "DejaVu Sans, sans-serif",
}
html_show_sourcelink = False
html_copy_source = False
html_math_renderer = "mathml"
html_domain_indices = False  # no module index page
suppress_warnings = ["mystnb.unknown_mime_type"]
exclude_patterns = ["_build"]
root_doc = "index"
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
