"""Build script: the one place where gdfast's extensions and Cython directives are declared.

Environment switches (read at build time):

* ``GDFAST_DEBUG=1``  -- bounds and initialization checks back on, ``-O0 -g``: for running
  the test suite against a checked build now and then (negative indices never wrap around,
  in either build: the checks only add checks).
* ``GDFAST_NATIVE=1`` -- add ``-march=native`` (faster on the machine that builds it,
  not portable: never for wheels you distribute).
* ``GDFAST_SANITIZE=address,undefined`` -- compile and link with ``-fsanitize=...``.
* ``GDFAST_ANNOTATE=1`` -- write Cython's ``.html`` annotation next to each source.
* ``GDFAST_OPENMP=0`` -- build without OpenMP (by default the modules in ``OPENMP_MODULES`` get
  ``-fopenmp`` when a test program compiles and links with it, and run serially otherwise).
"""
import os
import sys

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

DEBUG = os.environ.get("GDFAST_DEBUG", "0") not in ("", "0")
NATIVE = os.environ.get("GDFAST_NATIVE", "0") not in ("", "0")
SANITIZE = os.environ.get("GDFAST_SANITIZE", "")
ANNOTATE = os.environ.get("GDFAST_ANNOTATE", "0") not in ("", "0")
OPENMP = os.environ.get("GDFAST_OPENMP", "1") not in ("", "0")

directives = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": False,
    "initializedcheck": DEBUG,
    "cdivision": True,
    "embedsignature": True,
    "cpow": True,
}

# -fno-math-errno: sqrt is then the instruction alone, without the errno branch that keeps GCC
# from vectorizing the loops that take it (the Adam, RMSprop and Adagrad kernels over lanes:
# about 1.8x on the Adam batch).  IEEE sqrt is correctly rounded either way: the same bits;
# nothing in gdfast reads errno.
compile_args = ["-O0", "-g"] if DEBUG else ["-O3", "-fno-math-errno"]
link_args = []
if NATIVE:
    compile_args.append("-march=native")
if SANITIZE:
    compile_args += [f"-fsanitize={SANITIZE}", "-fno-omit-frame-pointer"]
    link_args += [f"-fsanitize={SANITIZE}"]

macros = [("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")]

# Link libm by name: an extension that leaves pow / exp / log unversioned is bound at load
# time to glibc's oldest versions, the SVID-compatible wrappers that also call
# __kernel_standard on every underflow (Adam's beta^t for large t): measured ~34 extra
# instructions per Adam iteration (two pow calls) with callgrind.
libraries = [] if sys.platform == "win32" else ["m"]


# module name -> source; every gdfast extension is declared here and nowhere else.
MODULES = {
    "gdfast._objective": "src/_objective.pyx",   # the C objective interface + Python adapters
    "gdfast._builtins": "src/_builtins.pyx",     # built-in objectives in C
    "gdfast._mlp": "src/_mlp.pyx",               # the built-in multilayer perceptron
    "gdfast._fdiff": "src/_fdiff.pyx",           # finite-difference gradient kernels
    "gdfast._update": "src/_update.pyx",         # update rules (SGD, momentum, Adam, ...)
    "gdfast._stepsize": "src/_stepsize.pyx",     # step rules (schedules, line searches, BB)
    "gdfast._config": "src/_config.pyx",         # one configuration: settings -> gd_options
    "gdfast._descent": "src/_descent.pyx",       # THE descent loop
    "gdfast._lowlevel": "src/_lowlevel.pyx",     # C function pointers (LowLevelCallable, ...)
    "gdfast._stepper": "src/_stepper.pyx",       # Descent: the loop a few steps at a time
    "gdfast._batch": "src/_batch.pyx",           # minimize_batch: multi-start over OpenMP threads
    "gdfast._minibatch": "src/_minibatch.pyx",   # sgd: mini-batches and epochs around THE loop
    "gdfast.capi": "src/capi.pyx",               # the public C API (gdfast/capi.pxd)
    "gdfast._baselines": "bench/_baselines.pyx", # plain C loops the benchmarks compare against
    "gdfast._landscape": "src/_landscape.pyx",   # grid evaluation (line / plane landscapes)
}

# modules whose parallel items (src/gd_parallel.h) run on OpenMP threads when the compiler
# supports it
OPENMP_MODULES = {"gdfast._landscape", "gdfast._batch"}


def openmp_flags():
    """``-fopenmp`` if a small OpenMP program compiles and links with it, else no flags
    (the parallel items then run serially)."""
    import shutil
    import sys
    import tempfile

    from setuptools._distutils.ccompiler import new_compiler
    from setuptools._distutils.errors import CompileError, LinkError
    from setuptools._distutils.sysconfig import customize_compiler

    if not OPENMP or sys.platform == "win32":
        return []
    compiler = new_compiler()
    customize_compiler(compiler)
    tmp = tempfile.mkdtemp(prefix="gdfast_omp_")
    try:
        src = os.path.join(tmp, "omp_test.c")
        with open(src, "w") as fh:
            fh.write("#include <omp.h>\nint main(void) { return omp_get_max_threads() < 1; }\n")
        objects = compiler.compile([src], output_dir=tmp, extra_postargs=["-fopenmp"])
        compiler.link_executable(objects, os.path.join(tmp, "omp_test"),
                                 extra_postargs=["-fopenmp"])
    except (CompileError, LinkError, OSError):
        print("gdfast: OpenMP not available; building without threads")
        return []
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return ["-fopenmp"]


OMP_FLAGS = openmp_flags() if OPENMP_MODULES else []

extensions = [
    Extension(
        name,
        [source],
        include_dirs=["src", np.get_include()],
        define_macros=macros,
        libraries=libraries,
        extra_compile_args=compile_args + (OMP_FLAGS if name in OPENMP_MODULES else []),
        extra_link_args=link_args + (OMP_FLAGS if name in OPENMP_MODULES else []),
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
