# Stub of the compiled module bench/_baselines.pyx: the benchmarks' plain C loops, not part of
# gdfast's API and left untyped.
from typing import Any

def __getattr__(name: str) -> Any: ...
