"""Sphinx configuration of gdfast's documentation.

Build: ``sphinx-build -W --keep-going -b html docs docs/_build/html`` (after
``pip install ".[docs]"``).  Use ``sphinx-build``, not ``python -m sphinx``, from the repository
root: ``python -m`` would put the unbuilt source tree first on sys.path.
"""
import ast
import os
import sys
from pathlib import Path

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
templates_path = ["_templates"]

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


def stub_signature(app, what, name, obj, options, signature, return_annotation):
    """A compiled (cdef) class: its ``__init__`` signature from the package's ``.pyi`` stub,
    without annotations.  Cython's embedded one shows C types and, for ``__init__``, puts a
    bare ``*`` one parameter late (Cython 3.3); tests/test_typing.py checks the stubs'
    parameter names and defaults against the compiled classes."""
    module = sys.modules.get(getattr(obj, "__module__", ""))
    path = getattr(module, "__file__", None) or ""
    if what != "class" or not isinstance(obj, type) or path.endswith(".py"):
        return None
    stub = Path(path).with_name(obj.__module__.rsplit(".", 1)[-1] + ".pyi")
    if not stub.is_file():
        return None
    for cls in ast.parse(stub.read_text()).body:
        if isinstance(cls, ast.ClassDef) and cls.name == obj.__name__:
            for item in cls.body:
                if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                    args = item.args
                    args.args = args.args[1:]                                # self
                    for a in args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
                        if a is not None:
                            a.annotation = None
                    return f"({ast.unparse(args)})", None
    return None


def skip_sklearn_routing(app, what, name, obj, skip, options):
    """scikit-learn's metadata routing adds set_*_request methods to the estimators of
    gdfast.sklearn, with docstrings that refer to its own documentation: not gdfast's API."""
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", skip_sklearn_routing)
    # before numpydoc's handler (priority 500), which would return the docstring's signature
    app.connect("autodoc-process-signature", stub_signature, priority=100)
