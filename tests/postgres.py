"""A throwaway PostgreSQL server for the test session (environment.md's recipe; works as root)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PG_BIN = Path(os.environ.get("FANGPIN_PG_BIN", "/usr/lib/postgresql/15/bin"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrowawayPostgres:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="fangpin-pg-"))
        self.port = _free_port()
        self._as_postgres = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        command = [str(PG_BIN / args[0]), *args[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        # not the test's name: pytest puts it in PYTEST_CURRENT_TEST, and a parametrized one can exceed what exec takes
        environment = {name: value for name, value in os.environ.items() if name != "PYTEST_CURRENT_TEST"}
        subprocess.run(command, check=True, capture_output=True, env=environment)

    def start(self) -> str:
        if self._as_postgres:
            shutil.chown(self.dir, "postgres")
        self._run("initdb", "-D", f"{self.dir}/data", "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        self._run("pg_ctl", "-D", f"{self.dir}/data", "-l", f"{self.dir}/log", "-w", "-o",
                  f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                  "-c synchronous_commit=off -c full_page_writes=off", "start")
        return self.url("postgres")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", f"{self.dir}/data", "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def available() -> bool:
    return (PG_BIN / "initdb").exists()


# Every DDL statement run in a test's database leaves a row here: a database whose schema a test changed (a migration
# test's drop_all, an extra index) is dropped, not reused. A schema of its own keeps it out of the tests' inspection.
DDL_LOG = """
CREATE SCHEMA fangpin_fixture;
CREATE TABLE fangpin_fixture.ddl (command text NOT NULL);
CREATE FUNCTION fangpin_fixture.log_ddl() RETURNS event_trigger LANGUAGE plpgsql AS
    $$ BEGIN INSERT INTO fangpin_fixture.ddl VALUES (tg_tag); END $$;
CREATE EVENT TRIGGER fangpin_fixture_ddl ON ddl_command_end EXECUTE FUNCTION fangpin_fixture.log_ddl();
"""


class TestDatabases:
    """Databases with the template's schema for one test at a time, reused once emptied.

    Creating a database from the template and dropping it cost ~0.45 s of the server's CPU (13 MB written twice)
    per test, a quarter of the suite's CPU; emptying the few rows a test leaves costs milliseconds. A database comes
    back exactly as the template made it: every row deleted, every sequence restarted, the test's leftover connections
    (and with them their locks) ended; one whose schema was changed is dropped instead."""

    def __init__(self, server: ThrowawayPostgres, admin, template: str) -> None:
        self.server, self.admin, self.template = server, admin, template
        self._clean: list[str] = []
        self._created = 0
        self._emptying = ""

    def install_ddl_log(self, template_url: str) -> None:
        """In the template (after its schema is made): the DDL log, and the statement that empties a copy."""
        import psycopg

        with psycopg.connect(_driver_url(template_url), autocommit=True) as conn:
            conn.execute(DDL_LOG)
            tables = conn.execute("SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public'").fetchall()
            sequences = conn.execute("SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename), start_value"
                                     " FROM pg_sequences WHERE schemaname = 'public'").fetchall()
        # replica: no foreign key checks, so any order deletes; setval is no DDL (ALTER SEQUENCE would be logged)
        self._emptying = "; ".join(["SET session_replication_role = replica",
                                    *(f"DELETE FROM {table}" for (table,) in tables),
                                    *(f"SELECT setval('{name}', {start}, false)" for name, start in sequences),
                                    "DELETE FROM fangpin_fixture.ddl"])

    def take(self) -> str:
        """The name of an empty database of the template's schema, for this test alone."""
        if self._clean:
            return self._clean.pop()
        name = f"fangpin_test_{os.getpid()}_{self._created}"
        self._created += 1
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name} TEMPLATE {self.template} STRATEGY FILE_COPY")
        return name

    def give_back(self, name: str) -> None:
        """End the test's connections; empty the database for the next test, or drop it if its schema changed."""
        import psycopg

        with self.admin.connect() as conn:
            conn.exec_driver_sql("SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity "
                                 f"WHERE datname = '{name}' AND pid <> pg_backend_pid()")
        with psycopg.connect(_driver_url(self.server.url(name)), autocommit=True) as conn:
            changed = conn.execute("SELECT EXISTS (SELECT FROM fangpin_fixture.ddl)").fetchone()[0]
            if not changed:
                with conn.transaction():
                    conn.execute(self._emptying)
                self._clean.append(name)
                return
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")


def _driver_url(url: str) -> str:
    """psycopg's own form of a SQLAlchemy URL."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)
