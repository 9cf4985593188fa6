"""A real PostgreSQL server for tests.

`postgres_server()` picks the first of:
1. the server named by TEST_DATABASE_URL;
2. a postgres:16-alpine container, when a Docker engine answers;
3. a throwaway cluster made with the machine's own PostgreSQL binaries.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import stat
import subprocess
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from tests.support.net import free_port

USER = "todo"
PASSWORD = "todo"
DBNAME = "todo"
CONTAINER_IMAGE = "postgres:16-alpine"
READY_TIMEOUT = 30.0
SERVICE_ACCOUNT = "postgres"


# --- running server binaries ----------------------------------------------


def service_process_kwargs() -> dict[str, Any]:
    """subprocess kwargs that drop root to the postgres system account.

    PostgreSQL and PgBouncer refuse to run as root, and tests and CI run as root.
    """
    if os.geteuid() != 0:
        return {}
    try:
        account = pwd.getpwnam(SERVICE_ACCOUNT)
    except KeyError:
        raise RuntimeError(
            f"running as root, but there is no {SERVICE_ACCOUNT!r} system user to run "
            "PostgreSQL/PgBouncer as; install the postgresql package or run as a non-root user"
        ) from None
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def service_env() -> dict[str, str]:
    """The caller's environment without PG* variables, so nothing leaks into the servers."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env["LC_ALL"] = "C"
    return env


def service_tempdir(prefix: str) -> Path:
    """A fresh temporary directory the server account can own and reach."""
    base = Path(tempfile.gettempdir())
    if os.geteuid() == 0 and not _reachable_by_others(base):
        base = Path("/tmp")
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=base))
    kwargs = service_process_kwargs()
    if kwargs:
        os.chown(path, kwargs["user"], kwargs["group"])
    return path


def _reachable_by_others(path: Path) -> bool:
    return all(p.stat().st_mode & stat.S_IXOTH for p in [path, *path.parents])


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


def _find_bindir() -> Path:
    """Directory holding initdb, pg_ctl and postgres: pg_config, then Debian's layout, then PATH."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if result.returncode == 0 and result.stdout.strip():
            candidates.append(Path(result.stdout.strip()))

    def version_key(path: str) -> tuple[int, ...]:
        version = Path(path).parent.name
        return tuple(int(part) for part in version.split(".") if part.isdigit())

    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version_key, reverse=True)
    candidates.extend(Path(path) for path in debian)
    for tool in ("pg_ctl", "initdb"):
        found = shutil.which(tool)
        if found:
            candidates.append(Path(os.path.realpath(found)).parent)

    needed = ("initdb", "pg_ctl", "postgres")
    for directory in candidates:
        if all(os.access(directory / tool, os.X_OK) for tool in needed):
            return directory
    raise RuntimeError(
        "no PostgreSQL server binaries (initdb, pg_ctl, postgres) found via pg_config, "
        "/usr/lib/postgresql/*/bin or PATH; install the postgresql package, start Docker, "
        "or set TEST_DATABASE_URL"
    )


class _LocalCluster:
    """A cluster in a temporary directory; the postmaster runs as our child process."""

    def __init__(self, bindir: Path, root: Path, port: int) -> None:
        self.bindir = bindir
        self.root = root
        self.port = port
        self.data = root / "data"
        self.log = root / "server.log"
        self.process: subprocess.Popen[bytes] | None = None
        # The socket lives in our own directory so parallel clusters never clash.
        self.admin_conninfo = make_conninfo(
            host=str(root), port=port, user=SERVICE_ACCOUNT, dbname="postgres"
        )

    def _run(self, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(args),
            cwd=self.root,
            env=service_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            **service_process_kwargs(),
        )

    def _fail(self, what: str, result: subprocess.CompletedProcess[str] | None = None) -> RuntimeError:
        output = f"\n{result.stdout}{result.stderr}" if result else ""
        return RuntimeError(f"{what}{output}\n--- server log tail ---\n{log_tail(self.log)}")

    def initdb(self) -> None:
        result = self._run(
            str(self.bindir / "initdb"),
            "--pgdata", str(self.data),
            "--username", SERVICE_ACCOUNT,
            "--auth-local", "trust",
            "--auth-host", "scram-sha-256",
            "--encoding", "UTF8",
            # Neon's default: byte-order sorting, but lower() and ILIKE know all of Unicode.
            "--locale", "C.UTF-8",
            "--no-sync",
        )  # fmt: skip
        if result.returncode != 0:
            raise self._fail("initdb failed", result)
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.root}'",
            "max_connections": "200",
            # Durability against an OS crash is irrelevant here; a killed server
            # still keeps acknowledged commits because synchronous_commit stays on.
            "fsync": "off",
            "synchronous_commit": "on",
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("\n# test settings\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        # The postmaster is our own child (not pg_ctl's), so we can reap it on stop.
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(self.bindir / "postgres"), "-D", str(self.data)],
                cwd=self.root,
                env=service_env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **service_process_kwargs(),
            )
        self.wait_ready()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise self._fail(f"PostgreSQL on port {self.port} exited with code {self.process.returncode}")
            try:
                with psycopg.connect(self.admin_conninfo, connect_timeout=2) as conn:
                    conn.execute("SELECT 1")
            except psycopg.OperationalError as exc:
                if time.monotonic() >= deadline:
                    msg = (
                        f"PostgreSQL on port {self.port} not accepting connections "
                        f"after {READY_TIMEOUT:.0f} s: {exc}"
                    )
                    raise self._fail(msg) from exc
                time.sleep(0.1)
            else:
                return

    def stop(self) -> None:
        """Immediate shutdown: no checkpoint, recovery replays WAL on the next start."""
        if self.process is None:
            return
        if self.process.poll() is None:
            result = self._run(
                str(self.bindir / "pg_ctl"), "stop",
                "--pgdata", str(self.data),
                "--mode", "immediate",
                "--wait", "--timeout", str(int(READY_TIMEOUT)),
            )  # fmt: skip
            if result.returncode != 0:
                raise self._fail(f"PostgreSQL on port {self.port} did not stop", result)
            try:
                self.process.wait(timeout=READY_TIMEOUT)
            except subprocess.TimeoutExpired as exc:
                raise self._fail(f"PostgreSQL on port {self.port} did not exit") from exc
        self.process = None

    def kill(self) -> None:
        """Best-effort teardown that never raises."""
        try:
            self.stop()
        except (RuntimeError, OSError, subprocess.SubprocessError):
            self._signal_postmaster()

    def _signal_postmaster(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        # SIGQUIT is PostgreSQL's immediate shutdown; SIGKILL only if that hangs.
        for sig in (signal.SIGQUIT, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
                return

    def bootstrap(self) -> None:
        with psycopg.connect(self.admin_conninfo, autocommit=True) as conn:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN CREATEDB PASSWORD {}").format(
                    sql.Identifier(USER), sql.Literal(PASSWORD)
                )
            )
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(DBNAME), sql.Identifier(USER))
            )


# --- the public server handle ---------------------------------------------


def _libpq_url(user: str, password: str, host: str, port: int, dbname: str) -> str:
    credentials = f"{quote(user, safe='')}:{quote(password, safe='')}"
    return f"postgresql://{credentials}@{host}:{port}/{quote(dbname, safe='')}"


@dataclass
class PostgresServer:
    """Connection details for a running server, plus admin helpers."""

    url: str
    host: str
    port: int
    user: str
    password: str
    dbname: str
    admin_conninfo: str = field(repr=False)
    _cluster: _LocalCluster | None = field(default=None, repr=False)

    @property
    def supports_restart(self) -> bool:
        """True when stop()/start() work (only for servers these helpers launched locally)."""
        return self._cluster is not None

    def _local(self) -> _LocalCluster:
        if self._cluster is None:
            raise RuntimeError(
                "stop()/start() need a locally launched PostgreSQL; this server comes from "
                "TEST_DATABASE_URL or a container (check supports_restart first)"
            )
        return self._cluster

    def stop(self) -> None:
        """Stop the server immediately, as a crash would; acknowledged commits survive."""
        self._local().stop()

    def start(self) -> None:
        """Start again on the same port and data; returns once it accepts connections."""
        cluster = self._local()
        if cluster.running():
            cluster.wait_ready()
        else:
            cluster.start()

    def url_for(self, dbname: str) -> str:
        """This server's URL pointing at another database."""
        return urlsplit(self.url)._replace(path="/" + quote(dbname, safe="")).geturl()

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.admin_conninfo, autocommit=True) as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(self.user))
            )
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self.admin_conninfo, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _external_server(url: str) -> PostgresServer:
    parts = urlsplit(url)
    # Accept SQLAlchemy-style postgresql+psycopg:// as well.
    scheme = parts.scheme.split("+", 1)[0]
    if scheme not in ("postgresql", "postgres"):
        raise RuntimeError(f"TEST_DATABASE_URL must be a postgresql:// URL, got scheme {parts.scheme!r}")
    libpq_url = parts._replace(scheme="postgresql").geturl()
    return PostgresServer(
        url=libpq_url,
        host=parts.hostname or "localhost",
        port=parts.port or 5432,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        dbname=unquote(parts.path.lstrip("/")) or unquote(parts.username or ""),
        admin_conninfo=libpq_url,
    )


def docker_available() -> bool:
    """True when a Docker engine answers within ~2 s."""
    try:
        import docker
        from docker.errors import DockerException
    except ImportError:
        return False
    try:
        client = docker.from_env(timeout=2)
    except (DockerException, OSError):
        return False
    try:
        return bool(client.ping())
    except (DockerException, OSError):
        return False
    finally:
        client.close()


def _start_container() -> Any:
    try:
        from testcontainers.community.postgres import PostgresContainer
    except ImportError:  # testcontainers before the community split
        from testcontainers.postgres import PostgresContainer

    container = PostgresContainer(
        CONTAINER_IMAGE, username=USER, password=PASSWORD, dbname=DBNAME, driver=None
    )
    container.with_command("postgres -c max_connections=200 -c fsync=off")
    try:
        container.start()
    except BaseException:
        # A container that never became ready must not outlive the failed attempt.
        with contextlib.suppress(Exception):
            container.stop()
        raise
    return container


def _container_server(container: Any) -> PostgresServer:
    host = container.get_container_host_ip()
    port = int(container.get_exposed_port(5432))
    url = _libpq_url(USER, PASSWORD, host, port, DBNAME)
    return PostgresServer(
        url=url,
        host=host,
        port=port,
        user=USER,
        password=PASSWORD,
        dbname=DBNAME,
        admin_conninfo=url,
    )


@contextmanager
def _local_server() -> Iterator[PostgresServer]:
    root = service_tempdir("pgtest-")
    cluster: _LocalCluster | None = None
    try:
        cluster = _LocalCluster(_find_bindir(), root, free_port())
        cluster.initdb()
        cluster.start()
        cluster.bootstrap()
        yield PostgresServer(
            url=_libpq_url(USER, PASSWORD, "127.0.0.1", cluster.port, DBNAME),
            host="127.0.0.1",
            port=cluster.port,
            user=USER,
            password=PASSWORD,
            dbname=DBNAME,
            admin_conninfo=cluster.admin_conninfo,
            _cluster=cluster,
        )
    finally:
        if cluster is not None:
            cluster.kill()
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """A running PostgreSQL for the duration of the block; always cleaned up."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield _external_server(url)
        return

    if docker_available():
        from docker.errors import DockerException

        container = None
        try:
            container = _start_container()
        except (ImportError, DockerException, OSError, RuntimeError) as exc:
            # e.g. the image cannot be pulled: the local binaries still work.
            warnings.warn(
                f"Docker answered but {CONTAINER_IMAGE} did not start ({exc}); using local binaries",
                stacklevel=3,
            )
        if container is not None:
            try:
                yield _container_server(container)
            finally:
                container.stop()
            return

    with _local_server() as server:
        yield server
