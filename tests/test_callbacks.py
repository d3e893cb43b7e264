"""Callbacks: SciPy's intermediate_result convention, stopping, exceptions, fresh arrays."""
import numpy as np
import pytest

import gdfast
from gdfast import Status
from gdfast.objectives import Quadratic

KINDS = [
    ("builtin", dict(fun=Quadratic([6.0, 2.0]))),
    ("python-fd", dict(fun=lambda x: 3 * x[0] ** 2 + x[1] ** 2)),
    ("python-jac", dict(fun=lambda x: 3 * x[0] ** 2 + x[1] ** 2,
                        jac=lambda x: np.array([6 * x[0], 2 * x[1]]))),
]


@pytest.mark.parametrize("name,kw", KINDS)
def test_intermediate_result_fields_every_k(name, kw):
    seen = []

    def cb(intermediate_result):
        r = intermediate_result
        seen.append((r.nit, r.x.copy(), r.fun, r.jac.copy()))

    res = gdfast.minimize(x0=[1.0, 1.0], lr=0.1, max_iter=9, gtol=0, callback=cb,
                          callback_every=3, history=True, **kw)
    assert [s[0] for s in seen] == [3, 6, 9]
    for nit, x, f, g in seen:
        np.testing.assert_array_equal(x, res.history.x[nit])
        assert f == pytest.approx(3 * x[0] ** 2 + x[1] ** 2, rel=1e-12)
        np.testing.assert_allclose(g, [6 * x[0], 2 * x[1]], rtol=1e-7, atol=1e-9)


def test_lambda_gets_the_result_object_and_legacy_xk_gets_x():
    got = []
    gdfast.minimize(Quadratic([1.0]), [1.0], max_iter=2, gtol=0, callback=lambda r: got.append(r))
    assert got[0].nit == 1 and isinstance(got[0], gdfast.OptimizeResult)
    xs = []

    def legacy(xk):
        xs.append(xk)

    gdfast.minimize(Quadratic([1.0]), [1.0], lr=0.5, max_iter=2, gtol=0, callback=legacy)
    assert isinstance(xs[0], np.ndarray)
    np.testing.assert_array_equal(xs[0], [0.5])


@pytest.mark.parametrize("name,kw", KINDS)
def test_returning_true_stops_cleanly(name, kw):
    res = gdfast.minimize(x0=[1.0, 1.0], lr=0.1, max_iter=100, gtol=0,
                          callback=lambda r: r.nit >= 4, **kw)
    assert res.status == Status.CALLBACK_STOP == 99 and res.nit == 4 and not res.success
    assert "callback" in res.message


@pytest.mark.parametrize("name,kw", KINDS)
def test_stop_iteration_stops_cleanly(name, kw):
    def cb(r):
        if r.nit == 2:
            raise StopIteration

    res = gdfast.minimize(x0=[1.0, 1.0], lr=0.1, max_iter=100, gtol=0, callback=cb, **kw)
    assert res.status == 99 and res.nit == 2
    assert np.all(np.isfinite(res.x))


def test_other_return_values_do_not_stop():
    for value in (None, False, 0, 1, "yes", np.array([True])):
        res = gdfast.minimize(Quadratic([1.0]), [1.0], max_iter=5, gtol=0,
                              callback=lambda r, v=value: v)
        assert res.nit == 5


@pytest.mark.parametrize("name,kw", KINDS)
def test_exception_reaches_caller_unchanged(name, kw, capsys):
    err = KeyError("mine")
    calls = []

    def cb(r):
        calls.append(r.nit)
        raise err

    with pytest.raises(KeyError) as info:
        gdfast.minimize(x0=[1.0, 1.0], lr=0.1, max_iter=100, callback=cb, **kw)
    assert info.value is err and calls == [1]
    assert capsys.readouterr() == ("", "")


def test_keyboard_interrupt_from_callback_propagates():
    def cb(r):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        gdfast.minimize(Quadratic([1.0]), [1.0], gtol=0, callback=cb)


def test_callback_mutating_its_arrays_changes_nothing():
    def vandal(r):
        r.x[:] = 1e300
        r.jac[:] = np.nan

    ref = gdfast.minimize(Quadratic([6.0, 2.0]), [1.0, 1.0], lr=0.1, max_iter=20, gtol=0)
    res = gdfast.minimize(Quadratic([6.0, 2.0]), [1.0, 1.0], lr=0.1, max_iter=20, gtol=0,
                          callback=vandal)
    np.testing.assert_array_equal(res.x, ref.x)


@pytest.mark.parametrize("kw,exc", [({"callback": 3}, TypeError),
                                    ({"callback": print, "callback_every": 0}, ValueError)])
def test_bad_callback_arguments(kw, exc):
    with pytest.raises(exc, match="callback"):
        gdfast.minimize(Quadratic([1.0]), [1.0], **kw)
