"""
Lennard-Jones clusters: batch FIRE relaxations
==============================================

Structure relaxation moves atoms to a local minimum of their energy.  Here 1,000 random
clusters of 13 Lennard-Jones atoms are relaxed at once with FIRE (ASE's parameters and
arithmetic), each a lane of :func:`gdfast.minimize_batch`, until the largest force on an atom
is below 1e-6 (``groups=3, gnorm="group"``: ASE's ``fmax``).  The energies they end at are
the cluster's local minima; the lowest is the global minimum of the Cambridge Cluster
Database, -44.326801 (the icosahedron).
"""
import matplotlib.pyplot as plt
import numpy as np

import gdfast
from gdfast.benchmarks import random_cluster
from gdfast.objectives import LennardJones

rng = np.random.default_rng(2026)
X0 = np.array([random_cluster(13, rng) for _ in range(1000)])   # atoms in a ball, >= sigma apart
res = gdfast.minimize_batch(LennardJones(13), X0, method="fire", gtol=1e-6, groups=3,
                            gnorm="group", max_iter=100_000)
found = np.abs(res.fun - (-44.326801)) < 5e-7
print(f"{res.success.sum()} of {len(X0)} relaxations converged in {np.median(res.nit):.0f} "
      f"steps (median); lowest energy {res.fun_best:.6f}, reached by {found.sum()} starts")

fig, ax = plt.subplots(layout="constrained")
ax.hist(res.fun, bins=80, color="tab:blue")
ax.axvline(-44.326801, color="k", linestyle="--", label="global minimum (CCD)")
ax.set_xlabel("energy of the relaxed cluster (epsilon)")
ax.set_ylabel("starts")
ax.set_title("LJ13: 1,000 FIRE relaxations from random starts")
ax.legend()

# %%
# The same relaxation from one start, step by step: FIRE's energy and largest force.
one = gdfast.minimize(LennardJones(13), X0[0], method="fire", gtol=1e-6, groups=3,
                      gnorm="group", history=True)
fig, ax = plt.subplots(layout="constrained")
ax.semilogy(one.history.gnorm, label="largest force on an atom")
ax.semilogy(one.history.fun - one.fun + 1e-12, label="energy above the final one")
ax.set_xlabel("FIRE step")
ax.legend()
plt.show()
