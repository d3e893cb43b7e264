from gdfast._objective cimport Objective

cdef struct builtin_data:
    const double *a        # Quadratic: A (n*n) or its diagonal (n); LeastSquares: A; Logistic: X
    const double *b        # Quadratic: center; LeastSquares: b; Logistic: y
    Py_ssize_t rows        # rows of a (0 for a diagonal Quadratic)
    double alpha           # Logistic, LeastSquares: L2 penalty (on the weights only)
    Py_ssize_t cols        # LeastSquares, Logistic: the columns of a (features)
    bint intercept         # LeastSquares, Logistic: x[cols] is an intercept (fit_intercept)
    double lj[4]           # LennardJones: 4 epsilon, sigma^2, cutoff^2 (0: none), the shift
    void *starts           # NULL, or the builtin_data of each start (per-start b)

cdef class BuiltinObjective(Objective):
    cdef builtin_data data
    cdef tuple _args       # the constructor's arguments, validated: they own the arrays
                           # behind data.a / data.b, and pickling and equality use them
    cdef Py_ssize_t _per_start   # the index in _args of per-start data (-1: none)
    cdef int _per_start_b(self, const double[:, ::1] rows) except -1

cdef class Quadratic(BuiltinObjective):
    pass

cdef class Rosenbrock(BuiltinObjective):
    pass

cdef class Himmelblau(BuiltinObjective):
    pass

cdef class Rastrigin(BuiltinObjective):
    pass

cdef class LeastSquares(BuiltinObjective):
    pass

cdef class Logistic(BuiltinObjective):
    pass

cdef class LennardJones(BuiltinObjective):
    pass
