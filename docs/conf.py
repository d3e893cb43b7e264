"""Sphinx configuration of gdfast's documentation.

Build: ``sphinx-build -W --keep-going -b html docs docs/_build/html`` (after
``pip install ".[docs]"``).  Use ``sphinx-build``, not ``python -m sphinx``, from the repository
root: ``python -m`` would put the unbuilt source tree first on sys.path.
"""
import os
import sys

import gdfast

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "_ext"))

project = "gdfast"
author = "gdfast developers"
copyright = "2026, gdfast developers"
release = version = gdfast.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "bench_table",
]

exclude_patterns = ["_build"]
templates_path = []

# API reference: autosummary pages from the docstrings (numpydoc's sections); the types are
# in the docstrings and in the stubs, not repeated in the signatures
autosummary_generate = True
autodoc_typehints = "none"
autodoc_default_options = {"members": True, "inherited-members": False}
numpydoc_show_class_members = False
numpydoc_validation_checks = set()
numpydoc_xref_param_type = False


sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "show_memory": False,
}

html_theme = "pydata_sphinx_theme"
html_title = f"gdfast {version}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_static_path = []
