"""Load benchmarks for the task API: `python -m tests.perf.run` and `python -m tests.perf.scale`."""
