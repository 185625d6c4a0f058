"""The evidence store: SQLAlchemy Core tables, Alembic migrations and queries.

SQLite is the embedded default; PostgreSQL serves teams that run several replicas or hold
years of evidence. The same code and the same tests run on both.
"""
