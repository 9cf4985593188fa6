"""Configuration from the environment (or a .env file), checked once at start-up."""

from __future__ import annotations

from typing import Literal, TypeVar

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRET_MIN_LENGTH = 32
DEFAULT_DATABASE_URL = "sqlite:///./data/todo.db"
DATABASE_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://", "sqlite:///")


S = TypeVar("S", bound="DatabaseSettings")


class ConfigurationError(Exception):
    """One line naming the variable that is wrong."""


class DatabaseSettings(BaseSettings):
    """All that `todo-api migrate` needs."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    database_url: str = DEFAULT_DATABASE_URL
    database_pool_size: int = Field(default=20, ge=1, le=1000)
    database_max_overflow: int = Field(default=0, ge=0, le=1000)
    database_timeout_seconds: float = Field(default=4.0, gt=0, le=60)
    database_prepared_statements: bool = True

    @field_validator("database_url")
    @classmethod
    def _database_url_is_supported(cls, value: str) -> str:
        if not value.lower().startswith(DATABASE_SCHEMES):
            raise ValueError("must start with " + ", ".join(DATABASE_SCHEMES))
        return value


class Settings(DatabaseSettings):
    better_auth_secret: SecretStr = Field(default=SecretStr(""))
    cors_origins: str = "http://localhost:3000"
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_leeway_seconds: int = Field(default=30, ge=0, le=60)
    better_auth_url: str | None = None
    better_auth_jwks_url: str | None = None
    log_level: Literal["critical", "error", "warning", "info", "debug"] = "info"
    log_format: Literal["json", "text"] = "json"
    max_tasks_per_user: int = Field(default=10000, ge=1)

    @field_validator("better_auth_secret")
    @classmethod
    def _secret_is_strong(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value():
            raise ValueError("is not set; set it to the same secret as your Better Auth app")
        if len(value.get_secret_value()) < SECRET_MIN_LENGTH:
            raise ValueError(f"must be at least {SECRET_MIN_LENGTH} characters")
        return value

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _lowercase(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator(
        "jwt_issuer", "jwt_audience", "better_auth_url", "better_auth_jwks_url", mode="before"
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("better_auth_url", "better_auth_jwks_url")
    @classmethod
    def _is_http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/") if value is not None else None

    @property
    def allowed_origins(self) -> list[str]:
        return [origin.strip().rstrip("/") for origin in self.cors_origins.split(",") if origin.strip()]

    @property
    def jwks_url(self) -> str | None:
        if self.better_auth_jwks_url:
            return self.better_auth_jwks_url
        return f"{self.better_auth_url}/api/auth/jwks" if self.better_auth_url else None


def load_settings() -> Settings:
    """Read the configuration or raise ConfigurationError with one clear line."""
    return _load(Settings)


def load_database_settings() -> DatabaseSettings:
    return _load(DatabaseSettings)


def _load(kind: type[S]) -> S:
    try:
        return kind()
    except ValidationError as error:
        first = error.errors()[0]
        variable = str(first["loc"][0]).upper() if first["loc"] else "configuration"
        message = first["msg"].removeprefix("Value error, ")
        raise ConfigurationError(f"{variable} {message}") from None
