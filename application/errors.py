"""Errors the application raises for reasons outside the domain rules."""


class ApplicationError(Exception):
    pass


class AuthenticationFailed(ApplicationError):
    """The bearer token is missing, malformed, forged, expired or not for us."""

    def __init__(self, reason: str, *, token_presented: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.token_presented = token_presented


class StorageUnavailable(ApplicationError):
    """The task store cannot be reached or did not answer in time; the message says where and why."""


class SchemaOutdated(ApplicationError):
    """The task store answers, but lacks migrations this code needs."""
