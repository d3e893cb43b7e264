"""Benchmarks: ``pytest bench`` (timing) or ``pytest bench --benchmark-disable`` (each once,
answers checked).  Every group holds gdfast and its baselines, timed in the same run.

The workloads come from the registry ``gdfast.benchmarks`` (shared with ``python -m gdfast
bench``, so the two cannot drift); ``bench_registry.py`` turns its rows into tests."""
