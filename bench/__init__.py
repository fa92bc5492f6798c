"""Benchmarks that print figures (not part of the test run): `python bench/<name>.py`."""
