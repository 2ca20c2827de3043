"""The mplan benchmark suite: ``python -m bench --mode small|full`` (see docs/benchmarks.md)."""
