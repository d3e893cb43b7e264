# One configuration of THE loop: minimize's settings validated once into its gd_options
# (src/_config.pyx).

from gdfast._descent cimport gd_options

cdef class Config:
    cdef gd_options opt
    cdef readonly object state        # the rule state to resume from (``state=``), or None
    cdef object _rates                # the arrays opt.rule's pointers refer to, kept alive
    cdef object _lb
    cdef object _ub
    cdef object _groups

cdef void default_options(gd_options *opt) noexcept nogil
# every field at its default (the rules' torch defaults, tests off, no pointers): the one
# starting point of a gd_options, for Config and the C API alike
