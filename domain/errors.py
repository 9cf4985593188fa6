"""Errors raised by the domain rules."""


class DomainError(Exception):
    """Base class for every rule the domain refuses."""


class InvalidTask(DomainError):
    """A field breaks one of the task rules."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class TaskNotFound(DomainError):
    """No such task for this owner (whether it exists for someone else is never said)."""

    def __init__(self, task_id: int) -> None:
        super().__init__(f"task {task_id} not found")
        self.task_id = task_id


class VersionMismatch(DomainError):
    """The caller's expected version is not the stored one."""

    def __init__(self, task_id: int, expected: int) -> None:
        super().__init__(f"task {task_id} is not at version {expected}")
        self.task_id = task_id
        self.expected = expected


class QuotaExceeded(DomainError):
    """The owner already holds as many tasks as allowed."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"at most {limit} tasks per user")
        self.limit = limit
