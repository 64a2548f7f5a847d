"""Speed, memory and accuracy measurements: ``python -m benchmarks [NAME ...]``."""
