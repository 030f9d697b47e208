"""Sphinx configuration of the course website (the student edition; built by `make site`).

Offline by construction: MathJax is served from the site itself (the jupyter-server-mathjax
package's copy), no widget JavaScript is loaded (explorers show their static preview), and the
theme is Sphinx's own Alabaster, which loads no web fonts.
"""

import os

import resistlab

project = "resistlab"
author = "The resistlab authors"
copyright = "the resistlab authors; content CC BY 4.0, code MIT"
release = version = resistlab.__version__
html_title = f"resistlab {release} — student edition"

extensions = ["myst_nb", "sphinx.ext.autodoc", "numpydoc", "sphinx.ext.mathjax"]
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
html_static_path = [os.environ["RESISTLAB_SITE_STATIC"]]
html_show_sourcelink = False
html_copy_source = False
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"
mathjax2_config = {"messageStyle": "none", "menuSettings": {"zoom": "None"}}
mathjax3_config = None
suppress_warnings = ["mystnb.unknown_mime_type"]
exclude_patterns = ["_build"]
root_doc = "index"
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
