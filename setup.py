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


def _openmp_flags():
    """["-fopenmp"] when the C compiler accepts it, else [] (batch runs then single-threaded).
    ``GDFAST_OPENMP=0`` forces a build without OpenMP."""
    if os.environ.get("GDFAST_OPENMP", "1") in ("0", ""):
        return []
    import tempfile
    from setuptools._distutils.ccompiler import new_compiler
    from setuptools._distutils.sysconfig import customize_compiler
    cc = new_compiler()
    customize_compiler(cc)
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "omp.c")
        with open(src, "w") as fh:
            fh.write("#include <omp.h>\nint main(void) { return omp_get_max_threads() < 1; }\n")
        try:
            objs = cc.compile([src], output_dir=tmp, extra_postargs=["-fopenmp"])
            cc.link_executable(objs, os.path.join(tmp, "omp"), extra_postargs=["-fopenmp"])
        except Exception:
            return []
    return ["-fopenmp"]


OPENMP = _openmp_flags()
# extensions that get OpenMP's flags (and still build, single-threaded, without them)
OPENMP_MODULES = {"gdfast._batch"}

# module name -> source; every gdfast extension is declared here and nowhere else.
MODULES = {
    "gdfast._objective": "src/_objective.pyx",   # the C objective interface + Python adapters
    "gdfast._builtins": "src/_builtins.pyx",     # built-in objectives in C
    "gdfast._fdiff": "src/_fdiff.pyx",           # finite-difference gradient kernels
    "gdfast._descent": "src/_descent.pyx",       # THE descent loop
    "gdfast._lowlevel": "src/_lowlevel.pyx",     # C function pointers (LowLevelCallable, ...)
    "gdfast._stepper": "src/_stepper.pyx",       # Descent: the loop a few steps at a time
    "gdfast._batch": "src/_batch.pyx",           # minimize_batch: multi-start over OpenMP threads
    "gdfast.capi": "src/capi.pyx",               # the public C API (gdfast/capi.pxd)
    "gdfast._baselines": "bench/_baselines.pyx", # plain C loops the benchmarks compare against
}

extensions = [
    Extension(
        name,
        [source],
        include_dirs=["src", np.get_include()],
        define_macros=macros,
        extra_compile_args=compile_args + (OPENMP if name in OPENMP_MODULES else []),
        extra_link_args=link_args + (OPENMP if name in OPENMP_MODULES else []),
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
