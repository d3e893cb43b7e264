import os
import sys

import numpy as np
import pytest

try:
    import gdfast  # noqa: F401
except ImportError as exc:
    if "compiled extensions are missing" not in str(exc):
        raise
    # `python -m pytest` puts the current directory first on sys.path: from the repository
    # root, that is the unbuilt source tree, ahead of the installed gdfast.
    pytest.exit(f"{exc}\n\nFrom the repository root, run the tests with the `pytest` command "
                f"(`pytest tests bench`), not `python -m pytest`, which imports ./gdfast; or "
                f"build in place first.", returncode=pytest.ExitCode.USAGE_ERROR)

try:
    from hypothesis import settings
except ImportError:                                  # property tests are then skipped
    settings = None
else:
    # CI: the same examples every run; locally: fresh ones
    settings.register_profile("ci", derandomize=True, max_examples=60, deadline=None,
                              print_blob=True)
    settings.register_profile("dev", max_examples=100, deadline=None)
    settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(autouse=True)
def fail_on_unraisable():
    """Fail any test during which an exception was swallowed and reported as unraisable
    (what a noexcept callback around a raising Python function does)."""
    seen = []
    old = sys.unraisablehook
    sys.unraisablehook = lambda info: seen.append(info)
    try:
        yield
    finally:
        sys.unraisablehook = old
    assert not seen, f"unraisable exception reported: {seen[0].exc_value!r}"


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
