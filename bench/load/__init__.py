"""Load tool, fault drills and the replica launcher for benchmarks (loopback only)."""
