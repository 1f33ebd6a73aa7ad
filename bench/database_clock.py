"""Database time: the seconds spent inside the database driver, executing statements and fetching rows.

A wall clock around a function that queries also counts the Python work done with the rows
(building objects, converting values); this clock counts only the driver's calls, wherever in
the measured call they happen (a streamed result is fetched while the workbook is written).
It hooks the drivers' own extension points: a cursor subclass for psycopg, a connection
subclass for sqlite3, whose cursors time `execute`, `executemany` and the `fetch*` calls.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine

TIMED = ("execute", "executemany", "fetchone", "fetchmany", "fetchall")


class DatabaseClock:
    """Seconds inside the driver since the last `reset`, and the samples its user keeps."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.samples: list[float] = []

    def reset(self) -> None:
        self.seconds = 0.0

    @contextmanager
    def running(self):
        """Count the time of the block."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds += time.perf_counter() - started


def timed_cursor_class(base: type, clock: DatabaseClock) -> type:
    """Return a subclass of the driver's cursor class whose statement and fetch calls run on `clock`."""
    def timed(name):
        original = getattr(base, name)

        def method(self, *args, **kwargs):
            with clock.running():
                return original(self, *args, **kwargs)
        method.__name__ = name
        return method
    return type(f"Timed{base.__name__}", (base,), {name: timed(name) for name in TIMED})


def clock_engine(engine: Engine, clock: DatabaseClock) -> Engine:
    """Make every connection `engine` opens from now on time its driver calls on `clock`."""
    engine.dispose()  # connections opened before would not be timed
    if engine.dialect.name == "sqlite":
        cursor_class = timed_cursor_class(sqlite3.Cursor, clock)

        class TimedConnection(sqlite3.Connection):
            def cursor(self, factory=cursor_class):
                return super().cursor(factory)

        @event.listens_for(engine, "do_connect")
        def use_timed_connection(dialect, conn_rec, cargs, cparams):
            cparams["factory"] = TimedConnection
    else:
        import psycopg

        cursor_class = timed_cursor_class(psycopg.Cursor, clock)
        server_cursor_class = timed_cursor_class(psycopg.ServerCursor, clock)

        @event.listens_for(engine, "connect")
        def use_timed_cursors(dbapi_connection, connection_record):
            dbapi_connection.cursor_factory = cursor_class
            dbapi_connection.server_cursor_factory = server_cursor_class
    return engine
