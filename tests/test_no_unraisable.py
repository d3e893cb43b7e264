"""No exception can be swallowed (issue 14): the C that Cython generates for every gdfast
module contains no call of ``__Pyx_WriteUnraisable``.

Cython emits that call where a ``noexcept`` function (or a ``nogil`` one that cannot
propagate) meets an exception, e.g. a KeyboardInterrupt raised by ``PyErr_CheckSignals``
inside a worker: it prints "Exception ignored in: ..." on stderr and carries on.  Cython
also emits the helper's prototype and definition in every module, used or not::

    static void __Pyx_WriteUnraisable(const char *name, int clineno, ...);   /* prototype */
    static void __Pyx_WriteUnraisable(const char *name, int clineno, ...) {  /* definition */

so only call sites count: ``__Pyx_WriteUnraisable("gdfast._batch._advance_range", ...)``
(the first argument is the qualified name of the function; any other use of the name that is
neither the prototype nor the definition is reported as well).

The test generates the C itself: ``cython`` on each source in ``MODULES`` of setup.py, with
setup.py's ``directives`` (both read from setup.py with ``ast``, build switches off),
``include_path`` the repository root and the module's full name, into tmp_path."""
import ast
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SETUP = os.path.join(ROOT, "setup.py")

CALL = re.compile(r'__Pyx_WriteUnraisable\(\s*"([^"]*)"')
DECL = re.compile(r'^\s*static\s+(CYTHON_UNUSED\s+)?void\s+__Pyx_WriteUnraisable\(')
ANY = re.compile(r'__Pyx_WriteUnraisable\(')


def _setup_dicts():
    """``MODULES`` and ``directives`` of setup.py, build switches (DEBUG, ...) False."""
    tree = ast.parse(open(SETUP).read(), SETUP)
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                isinstance(node.targets[0], ast.Name) and \
                node.targets[0].id in ("MODULES", "directives"):
            names = {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
            env = {name: False for name in names}       # DEBUG, NATIVE, ...: off
            found[node.targets[0].id] = eval(compile(ast.Expression(node.value), SETUP, "eval"),
                                             {"__builtins__": {}}, env)
    assert set(found) == {"MODULES", "directives"}, "setup.py: MODULES / directives not found"
    return found["MODULES"], found["directives"]


MODULES, DIRECTIVES = _setup_dicts()


def unraisable_calls(c_text):
    """Call sites of __Pyx_WriteUnraisable in generated C: [(line number, name)], the name
    being the function Cython reports (or the line itself when the call is not of the usual
    form)."""
    sites = []
    for i, line in enumerate(c_text.splitlines(), 1):
        if not ANY.search(line) or DECL.match(line):
            continue
        m = CALL.search(line)
        sites.append((i, m.group(1) if m else line.strip()))
    return sites


def test_recognizes_call_sites_and_skips_declarations():
    text = "\n".join([
        "static void __Pyx_WriteUnraisable(const char *name, int clineno,",
        "static CYTHON_UNUSED void __Pyx_WriteUnraisable(const char *name, int clineno) {",
        '  __Pyx_WriteUnraisable("gdfast._batch._advance_range", __pyx_clineno, '
        "__pyx_lineno, __pyx_filename, 1, 0);",
        '/* __Pyx_WriteUnraisable */',
    ])
    assert unraisable_calls(text) == [(3, "gdfast._batch._advance_range")]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """{module name: generated C text}, cython run on every module (two at a time)."""
    out_dir = tmp_path_factory.mktemp("cython_c")
    xopts = ",".join(f"{k}={v}" for k, v in DIRECTIVES.items())
    jobs = []
    for name, source in MODULES.items():
        c_file = os.path.join(out_dir, name + ".c")
        cmd = [sys.executable, "-m", "cython", "-X", xopts, "-I", ROOT,
               "--module-name", name, "-o", c_file, os.path.join(ROOT, source)]
        jobs.append((name, c_file, cmd))
    texts, failures = {}, []
    for i in range(0, len(jobs), 2):
        running = [(name, c_file, subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE,
                                                   stderr=subprocess.STDOUT, text=True))
                   for name, c_file, cmd in jobs[i:i + 2]]
        for name, c_file, proc in running:
            log = proc.communicate()[0]
            if proc.returncode != 0:
                failures.append(f"{name}: cython failed:\n{log}")
            else:
                with open(c_file) as fh:
                    texts[name] = fh.read()
    assert not failures, "\n".join(failures)
    return texts


def test_every_module_is_generated(generated):
    assert set(generated) == set(MODULES)


def test_no_write_unraisable_call_in_generated_c(generated):
    offenders = {}
    for name, text in sorted(generated.items()):
        sites = unraisable_calls(text)
        if sites:
            offenders[name] = sorted({fn for _, fn in sites})
    assert not offenders, (
        "Cython's generated C calls __Pyx_WriteUnraisable (an exception would be printed "
        "as 'Exception ignored' and swallowed) in: " +
        "; ".join(f"{mod} ({MODULES[mod]}): {', '.join(fns)}"
                  for mod, fns in offenders.items()))
