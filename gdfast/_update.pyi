# Stub of the compiled module src/_update.pyx (checked against it by tests/test_typing.py).
