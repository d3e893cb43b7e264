# Stub of the compiled module src/_stepsize.pyx (checked against it by tests/test_typing.py):
# it has no Python-level names, only cdef functions (gdfast/_stepsize.pxd).
