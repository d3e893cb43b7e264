import sys

import numpy as np
import pytest


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
