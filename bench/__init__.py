"""Load benchmarks for the task API: `python -m bench.run` and `python -m bench.scale`."""
