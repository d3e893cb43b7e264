# The batch driver (src/_batch.pyx), shared by minimize_batch and the C API.

from gdfast._objective cimport gd_objective
from gdfast._descent cimport gd_state, gd_lane_state
from gdfast._pacer cimport gd_control

cdef Py_ssize_t gd_lanes_per_block(const gd_objective *obj, Py_ssize_t m,
                                   Py_ssize_t n) noexcept nogil
cdef Py_ssize_t gd_lanes_ld(Py_ssize_t B) noexcept nogil
cdef int gd_lanes_run(gd_state *states, int nt, const double *X0, Py_ssize_t m,
                      Py_ssize_t B, bint release, gd_control *control,
                      const gd_lane_state *init=*, const Py_ssize_t *rows=*,
                      const Py_ssize_t *blocks=*, Py_ssize_t n_blocks=*) except -1
