from application.use_cases.bulk import ClearCompleted, CompleteAll
from application.use_cases.check_readiness import CheckReadiness
from application.use_cases.count_tasks import AccountTasks, CountTasks
from application.use_cases.create_task import CreateTask, CreateTaskCommand
from application.use_cases.delete_task import DeleteTask, DeleteTaskCommand
from application.use_cases.edit_task import EditTask, EditTaskCommand
from application.use_cases.get_task import GetTask, GetTaskCommand
from application.use_cases.list_changes import ChangesSince, ListChanges, ListChangesCommand
from application.use_cases.list_tags import ListTags
from application.use_cases.list_tasks import ListTasks, ListTasksCommand
from application.use_cases.purge_expired import Purged, PurgeExpired
from application.use_cases.rendered_reads import GetRenderedTask, ListRenderedTasks
from application.use_cases.replay_outcome import ReplayOutcome

__all__ = [
    "AccountTasks",
    "ChangesSince",
    "CheckReadiness",
    "ClearCompleted",
    "CompleteAll",
    "CountTasks",
    "CreateTask",
    "CreateTaskCommand",
    "DeleteTask",
    "DeleteTaskCommand",
    "EditTask",
    "EditTaskCommand",
    "GetRenderedTask",
    "GetTask",
    "GetTaskCommand",
    "ListChanges",
    "ListChangesCommand",
    "ListRenderedTasks",
    "ListTags",
    "ListTasks",
    "ListTasksCommand",
    "PurgeExpired",
    "Purged",
    "ReplayOutcome",
]
