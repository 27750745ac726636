"""A local platform simulator for tests, demos and benchmarks."""
