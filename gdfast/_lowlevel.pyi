# Stub of the compiled module src/_lowlevel.pyx (checked against it by tests/test_typing.py).
from typing import Any

from typing_extensions import disjoint_base

from gdfast._objective import Objective

__all__ = ["LowLevelObjective", "is_low_level", "callback_pointer"]

def is_low_level(obj: object) -> bool: ...

CALLBACK_SIGNATURE: str

def callback_pointer(obj: object) -> tuple[int, int]: ...

@disjoint_base
class LowLevelObjective(Objective):
    def __init__(self, fun: Any, jac: Any = None, user_data_rows: Any = None) -> None: ...
    @property
    def fun(self) -> Any: ...
    @property
    def jac(self) -> Any: ...
