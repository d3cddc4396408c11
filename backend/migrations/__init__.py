"""Alembic migrations of the backend's database (configured in code, no alembic.ini)."""
