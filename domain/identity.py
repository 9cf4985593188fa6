"""Who is calling, as proven by a verified token."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Principal:
    user_id: str
    email: str | None = None
    name: str | None = None
