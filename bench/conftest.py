"""Benchmarks: ``pytest bench`` (timing) or ``pytest bench --benchmark-disable`` (each once,
answers checked).  Every group holds gdfast and its baselines, timed in the same run."""
