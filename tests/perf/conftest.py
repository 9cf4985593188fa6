# Benchmarks, run by `make bench`, `make bench-scale` and `make soak`: nothing here is a test.
collect_ignore_glob = ["*"]
