"""Alembic environment: migrations for sunbid's schema (SQLite and PostgreSQL)."""

from __future__ import annotations

from alembic import context

from sunbid.storage.db import make_engine
from sunbid.storage.tables import metadata

config = context.config
url = config.get_main_option("sqlalchemy.url")
assert url, "sqlalchemy.url is not set"

engine = make_engine(url)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
