"""Runs the Alembic migrations against DATABASE_URL, without needing an alembic.ini."""

from pathlib import Path

from alembic import command
from alembic.config import Config

from adapters.sql.engine import ensure_sqlite_directory, normalise_url

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(raw_url: str) -> Config:
    url = normalise_url(raw_url, asynchronous=False)
    ensure_sqlite_directory(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Percent signs in passwords would otherwise be read as interpolation.
    config.set_main_option("sqlalchemy.url", url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def upgrade_to_latest(raw_url: str) -> None:
    command.upgrade(alembic_config(raw_url), "head")
