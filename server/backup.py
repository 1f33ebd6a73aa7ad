"""Backups of the embedded SQLite database; PostgreSQL is backed up with its own pg_dump.

SQLite's online backup API copies a consistent snapshot even while the service writes, so a
backup never catches half a transaction. A restore copies a backup over the live database
the same way, page by page, in one step.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from planround.server.errors import BadRequest, NotFound


def sqlite_path(database_url: str) -> Path:
    """Return the file of a SQLite URL; other databases are backed up with their own tools."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BadRequest("backup_sqlite_only", backend=url.get_backend_name())
    return Path(url.database)


def backup_database(database_url: str, target: Path) -> Path:
    """Write a consistent copy of the SQLite database to `target`."""
    source = sqlite_path(database_url)
    if not source.exists():
        raise NotFound("backup_missing", path=str(source))
    target.parent.mkdir(parents=True, exist_ok=True)
    copy(source, target)
    return target


def restore_database(database_url: str, backup: Path) -> Path:
    """Replace the SQLite database with the backup's content."""
    target = sqlite_path(database_url)
    if not backup.exists():
        raise NotFound("backup_missing", path=str(backup))
    check_is_sqlite(backup)
    target.parent.mkdir(parents=True, exist_ok=True)
    copy(backup, target)
    return target


def copy(source: Path, target: Path) -> None:
    """Copy one SQLite database into another with the online backup API."""
    with sqlite3.connect(source) as reader, sqlite3.connect(target) as writer:
        reader.backup(writer)
    reader.close()
    writer.close()


def check_is_sqlite(path: Path) -> None:
    """Refuse a file that is not a SQLite database before anything is overwritten."""
    with open(path, "rb") as handle:
        if handle.read(16) != b"SQLite format 3\x00":
            raise BadRequest("backup_not_sqlite", path=str(path))
