"""Benchmarks for partyflow on PostgreSQL: `make bench` (or `python -m bench.run`). See bench/README.md."""
