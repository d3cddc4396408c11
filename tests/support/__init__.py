"""Support code of the test suites: clients, harnesses and fakes that only tests use.

Importable as `tests.support` because pytest puts the repository root on `sys.path`
(`pythonpath` in pyproject.toml); nothing outside `tests/` imports it.
"""
