"""Alembic environment: one metadata for the engine's and the domain's tables."""

from alembic import context
from sqlalchemy import engine_from_config, pool

import monitoring.models  # noqa: F401  (registers the domain tables on the shared metadata)
from engine.models import Base

config = context.config
target_metadata = Base.metadata


def run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.",
                                poolclass=pool.NullPool)
    with engine.connect() as conn:
        run(conn)
