"""What uvicorn imports: builds the app from the environment when a worker starts."""

import gc

from fastapi import FastAPI

from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.logs import configure_logging
from entrypoints.settings import load_settings

# Reference counting frees almost all of a request's objects; the cycle collector's default
# (a pass every 700 net allocations) re-walked the long-lived heap often enough to take ~17%
# of a list request's CPU under load. Measured with `make bench`; see the README.
YOUNG_GENERATION_THRESHOLD = 10_000


def app_from_environment() -> FastAPI:
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    app = create_app(build_container(settings))
    tune_garbage_collector()
    return app


def tune_garbage_collector() -> None:
    """Leave what start-up built out of every future collection, and collect less often."""
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, old)
