from datetime import UTC, datetime


class SystemClock:
    """UTC now, truncated to milliseconds so stored and returned times agree everywhere."""

    def now(self) -> datetime:
        now = datetime.now(UTC)
        return now.replace(microsecond=now.microsecond // 1000 * 1000)
