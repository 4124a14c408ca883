"""Alembic environment for mink's own tables.

The connection (and the schema name) come in through `config.attributes`, set by
`mink_runtime.migrations`; nothing here reads a URL or a file.
"""

from __future__ import annotations

from alembic import context

from mink_runtime.migrations import run_migrations

run_migrations(context)
