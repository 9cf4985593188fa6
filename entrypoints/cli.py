"""todo-api serve | migrate | token"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from types import FrameType

import uvicorn

from application.errors import SchemaOutdated, StorageUnavailable
from domain.fields import OWNER_ID_MAX_LENGTH
from entrypoints.container import check_database, migrate_database, mint_dev_token
from entrypoints.http.errors import SCHEMA_OUTDATED
from entrypoints.http.protocol import PROTOCOL
from entrypoints.logs import configure_logging
from entrypoints.settings import ConfigurationError, load_database_settings, load_settings

log = logging.getLogger("todo_api")


def main(argv: list[str] | None = None) -> int:
    """Failures the user can fix end in one line on stderr, never a traceback."""
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except ConfigurationError as error:
        print(f"todo-api: configuration error: {error}", file=sys.stderr)
        return 2
    except StorageUnavailable as error:
        print(f"todo-api: cannot use the database: {error}", file=sys.stderr)
        return 1


def _serve(args: argparse.Namespace) -> int:
    settings = load_settings()  # fail here, once, before any worker starts
    configure_logging(settings.log_level, settings.log_format)
    try:
        check_database(settings)
    except SchemaOutdated:
        log.warning(SCHEMA_OUTDATED)  # still served: /readyz says the same until it is migrated
    # uvicorn re-raises SIGTERM once its graceful shutdown is done, which would end us with -15.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    uvicorn.run(
        "entrypoints.asgi:app_from_environment",
        factory=True,
        host=settings.host if args.host is None else args.host,
        port=settings.port if args.port is None else args.port,
        workers=args.workers,
        log_level=settings.log_level,
        access_log=False,  # our middleware writes one structured line per request
        server_header=False,
        http=PROTOCOL,  # each response in one write
        timeout_graceful_shutdown=10,
    )
    return 0


def _exit_cleanly(_signal: int, _frame: FrameType | None) -> None:
    """A SIGTERM is the orderly way to stop us: exit code 0 tells supervisors it went well."""
    raise SystemExit(0)


def _migrate(_: argparse.Namespace) -> int:
    migrate_database(load_database_settings())
    print("todo-api: database is up to date", file=sys.stderr)
    return 0


def _token(args: argparse.Namespace) -> int:
    if not args.user_id or len(args.user_id) > OWNER_ID_MAX_LENGTH:
        print(f"todo-api: USER_ID must be 1 to {OWNER_ID_MAX_LENGTH} characters", file=sys.stderr)
        return 2
    print(mint_dev_token(load_settings(), args.user_id, args.ttl, args.email, args.name))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="todo-api", description="The todo task API.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve the HTTP API")
    serve.add_argument("--host", help="default: HOST, else 127.0.0.1")
    serve.add_argument("--port", type=int, help="default: PORT, else 8000")
    serve.add_argument("--workers", type=int, default=1, help="processes (default 1)")
    serve.set_defaults(run=_serve)

    migrate = commands.add_parser("migrate", help="bring the database schema up to date")
    migrate.set_defaults(run=_migrate)

    token = commands.add_parser("token", help="mint an HS256 token with the configured secret")
    token.add_argument("user_id", metavar="USER_ID")
    token.add_argument("--ttl", type=int, default=3600, help="seconds until it expires (default 3600)")
    token.add_argument("--email")
    token.add_argument("--name")
    token.set_defaults(run=_token)
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
