"""Tooling apart from the runtime: load and fault drills, benchmarks, dialogue evaluation."""
