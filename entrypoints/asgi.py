"""What uvicorn imports: builds the app from the environment when a worker starts."""

from fastapi import FastAPI

from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.logs import configure_logging
from entrypoints.settings import load_settings


def app_from_environment() -> FastAPI:
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(build_container(settings))
