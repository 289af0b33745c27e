"""Versioned schema migrations of the library database.

The database's ``PRAGMA user_version`` is the number of migrations applied. ``MIGRATIONS[i]`` upgrades a
database from version ``i`` to ``i + 1``. Each one runs in a transaction together with the version bump, so a
crash leaves the database at the previous version and the next open retries.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable

logger = logging.getLogger(__name__)


def _v1_initial(conn: sqlite3.Connection) -> None:
    conn.execute(
        """
        CREATE TABLE datasets (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            studies_dir TEXT NOT NULL,
            reports_file TEXT,
            labels_file TEXT,
            task TEXT NOT NULL,
            n_studies INTEGER NOT NULL DEFAULT 0,
            n_matched INTEGER NOT NULL DEFAULT 0,
            fingerprint TEXT,
            created_at REAL NOT NULL
        )
        """
    )
    conn.execute(
        """
        CREATE TABLE jobs (
            id INTEGER PRIMARY KEY,
            dataset_id INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
            task TEXT NOT NULL,
            state TEXT NOT NULL,
            command TEXT NOT NULL,
            pid INTEGER,
            run_dir TEXT NOT NULL,
            events_file TEXT NOT NULL,
            created_at REAL NOT NULL,
            started_at REAL,
            finished_at REAL,
            final_metrics TEXT
        )
        """
    )
    conn.execute(
        """
        CREATE TABLE models (
            id INTEGER PRIMARY KEY,
            folder TEXT NOT NULL,
            name TEXT NOT NULL,
            task TEXT NOT NULL,
            findings TEXT NOT NULL,
            profile TEXT,
            metrics TEXT,
            parent_model_id INTEGER REFERENCES models(id) ON DELETE SET NULL,
            created_at REAL NOT NULL
        )
        """
    )


def _v2_process_identity_and_links(conn: sqlite3.Connection) -> None:
    # A pid alone can be reused by an unrelated process after a crash, so v2 stores the process start time
    # too. It also links models to the job that produced them, keeps the last error message of a job and
    # makes one model folder appear only once.
    conn.execute("ALTER TABLE jobs ADD COLUMN pid_started_at REAL")
    conn.execute("ALTER TABLE jobs ADD COLUMN message TEXT")
    conn.execute("ALTER TABLE jobs ADD COLUMN updated_at REAL")
    conn.execute("UPDATE jobs SET updated_at = COALESCE(finished_at, started_at, created_at)")
    conn.execute("ALTER TABLE models ADD COLUMN job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL")
    conn.execute("CREATE UNIQUE INDEX models_folder ON models(folder)")
    conn.execute("CREATE INDEX jobs_state ON jobs(state)")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _v1_initial,
    _v2_process_identity_and_links,
]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Apply the pending migrations up to ``target``.

    Args:
        conn: an open connection in autocommit mode (``isolation_level=None``).
        target: the schema version to reach; tests pass a lower one to build an old database.

    Returns:
        The schema version after migrating.

    Raises:
        RuntimeError: if the database is newer than this program understands.
    """
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise RuntimeError(
            f"The library database has schema version {version}, but this GreenRFM Studio only supports "
            f"versions up to {SCHEMA_VERSION}. Update GreenRFM Studio or use a different data folder."
        )
    while version < target:
        migration = MIGRATIONS[version]
        conn.execute("BEGIN IMMEDIATE")
        try:
            migration(conn)
            conn.execute(f"PRAGMA user_version = {version + 1}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        version += 1
        logger.info("Library database migrated to schema version %d (%s)", version, migration.__name__)
    return version
