"""The per-rule overhead table: each rule's minimize arguments and a plain C loop of the same
arithmetic (bench/_baselines.pyx), shared by test_bench_rules.py and rule_overhead.py."""
import numpy as np

import gdfast
from gdfast import _baselines, benchmarks as B
from gdfast.objectives import Quadratic

# Per-rule overhead: each rule on the lecture's 3x^2 + y^2 (shifted), 10^6
# iterations with the tests off, against a plain C loop of the same rule arithmetic
# (bench/_baselines.pyx).  Overhead of a rule = (gdfast - C) for the rule minus (gdfast - C)
# for plain descent, all in this one group.  Momentum and Adam use lr = 1e-7 so that the
# iterates stay far from the minimum: near it, momentum buffers and Adam moments decay into
# subnormal numbers, whose slow arithmetic would dominate both sides.
QA = np.array([6.0, 2.0])
QC = np.array([1.0, 2.0])
QX0 = np.zeros(2)
QITERS = 10 ** 6
QLB, QUB = np.full(2, -10.0), np.full(2, 1.5)      # the minimum (1, 2) is outside: y bound
# a user's rates, then the last: 10^4 of them (10^6 would add their validation and copy,
# 3 ms a call, which is not a per-step cost)
QRATES = np.linspace(0.1, 0.05, 10_000)
_quad = Quadratic(QA, center=QC)

RULES = {
    "plain": (dict(lr=0.1),
              lambda it: _baselines.quadratic_descent(QA, QC, QX0, 0.1, it)),
    "momentum": (dict(method="momentum", lr=1e-7, options=dict(momentum=0.9)),
                 lambda it: _baselines.momentum_quadratic(QA, QC, QX0, 1e-7, 0.9, it)),
    "adam": (dict(method="adam", lr=1e-7),
             lambda it: _baselines.adam_quadratic(QA, QC, QX0, 1e-7, B.ADAM_B1, B.ADAM_B2,
                                                  B.ADAM_EPS, it)),
    "exponential": (dict(lr=0.1, step_rule=gdfast.ExponentialLR(0.999999)),
                    lambda it: _baselines.exponential_quadratic(QA, QC, QX0, 0.1, 0.999999, it)),
    "bb": (dict(lr=0.1, step_rule="bb"),
           lambda it: _baselines.bb_quadratic(QA, QC, QX0, 0.1, 1e-4, 0.5, 50, 1e-10, 1e10, it)),
    "nesterov": (dict(method="momentum", lr=1e-7, options=dict(momentum=0.9, nesterov=True)),
                 lambda it: _baselines.nesterov_quadratic(QA, QC, QX0, 1e-7, 0.9, it)),
    "rmsprop": (dict(method="rmsprop", lr=1e-7),
                lambda it: _baselines.rmsprop_quadratic(QA, QC, QX0, 1e-7, 0.99, 1e-8, it)),
    "adagrad": (dict(method="adagrad", lr=1e-7),
                lambda it: _baselines.adagrad_quadratic(QA, QC, QX0, 1e-7, 1e-10, it)),
    # cos(pi k / T_max) as gdfast computes it (angle sums from a table; within 1e-15 of
    # libm's); "cosine-libm" against the closed form with libm's cos at every step
    "cosine": (dict(lr=0.1, step_rule=gdfast.CosineLR(QITERS, eta_min=0.01)),
               lambda it: _baselines.cosine_sum_quadratic(QA, QC, QX0, 0.1, QITERS, 0.01, it)),
    "cosine-libm": (dict(lr=0.1, step_rule=gdfast.CosineLR(QITERS, eta_min=0.01)),
                    lambda it: _baselines.cosine_quadratic(QA, QC, QX0, 0.1, QITERS, 0.01, it)),
    "step": (dict(lr=0.1, step_rule=gdfast.StepLR(1000, gamma=0.9999)),
             lambda it: _baselines.step_quadratic(QA, QC, QX0, 0.1, 1000, 0.9999, it)),
    "inverse_time": (dict(lr=0.1, step_rule=gdfast.InverseTimeLR(1e-6)),
                     lambda it: _baselines.inverse_time_quadratic(QA, QC, QX0, 0.1, 1e-6, it)),
    "array": (dict(lr=0.1, step_rule=QRATES),
              lambda it: _baselines.array_quadratic(QA, QC, QX0, QRATES, it)),
    "armijo": (dict(lr=0.1, step_rule="armijo"),
               lambda it: _baselines.armijo_quadratic(QA, QC, QX0, 0.1, 1e-4, 0.5, 50, it)),
    "bounds": (dict(lr=0.1, bounds=(QLB, QUB)),
               lambda it: _baselines.bounded_quadratic(QA, QC, QX0, 0.1, QLB, QUB, it)),
    "clip_norm": (dict(lr=0.1, clip_norm=1.0),
                  lambda it: _baselines.clipped_quadratic(QA, QC, QX0, 0.1, 1.0, it)),
}


def gdfast_rule(name, iters):
    """gdfast's iterate after iters iterations of the rule (the tests off)."""
    return gdfast.minimize(_quad, QX0, max_iter=iters, gtol=0, **RULES[name][0]).x
