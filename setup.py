"""Build script: the one place where gdfast's extensions and Cython directives are declared.

Environment switches (read at build time):

* ``GDFAST_DEBUG=1``  -- bounds checking, wraparound and initialization checks back on,
  ``-O0 -g``: for running the test suite against a checked build now and then.
* ``GDFAST_NATIVE=1`` -- add ``-march=native`` (faster on the machine that builds it,
  not portable: never for wheels you distribute).
* ``GDFAST_SANITIZE=address,undefined`` -- compile and link with ``-fsanitize=...``.
* ``GDFAST_ANNOTATE=1`` -- write Cython's ``.html`` annotation next to each source.
"""
import os

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

DEBUG = os.environ.get("GDFAST_DEBUG", "0") not in ("", "0")
NATIVE = os.environ.get("GDFAST_NATIVE", "0") not in ("", "0")
SANITIZE = os.environ.get("GDFAST_SANITIZE", "")
ANNOTATE = os.environ.get("GDFAST_ANNOTATE", "0") not in ("", "0")

directives = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "initializedcheck": DEBUG,
    "cdivision": True,
    "embedsignature": True,
    "cpow": True,
}

compile_args = ["-O0", "-g"] if DEBUG else ["-O3"]
link_args = []
if NATIVE:
    compile_args.append("-march=native")
if SANITIZE:
    compile_args += [f"-fsanitize={SANITIZE}", "-fno-omit-frame-pointer"]
    link_args += [f"-fsanitize={SANITIZE}"]

macros = [("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")]

# module name -> source; every gdfast extension is declared here and nowhere else.
MODULES = {
    "gdfast._objective": "src/_objective.pyx",   # the C objective interface + Python adapters
    "gdfast._builtins": "src/_builtins.pyx",     # built-in objectives in C
    "gdfast._fdiff": "src/_fdiff.pyx",           # finite-difference gradient kernels
    "gdfast._descent": "src/_descent.pyx",       # THE descent loop
    "gdfast._lowlevel": "src/_lowlevel.pyx",     # C function pointers (LowLevelCallable, ...)
    "gdfast._baselines": "bench/_baselines.pyx", # plain C loops the benchmarks compare against
}

extensions = [
    Extension(
        name,
        [source],
        include_dirs=["src", np.get_include()],
        define_macros=macros,
        extra_compile_args=compile_args,
        extra_link_args=link_args,
    )
    for name, source in MODULES.items()
]

setup(
    ext_modules=cythonize(
        extensions,
        include_path=["."],
        compiler_directives=directives,
        annotate=ANNOTATE,
    ),
)
