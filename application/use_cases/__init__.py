from application.use_cases.check_readiness import CheckReadiness
from application.use_cases.create_task import CreateTask, CreateTaskCommand
from application.use_cases.delete_task import DeleteTask, DeleteTaskCommand
from application.use_cases.get_task import GetTask, GetTaskCommand
from application.use_cases.list_tasks import ListTasks, ListTasksCommand
from application.use_cases.patch_task import PatchTask, PatchTaskCommand
from application.use_cases.replace_task import ReplaceTask, ReplaceTaskCommand
from application.use_cases.set_completion import SetCompletion, SetCompletionCommand

__all__ = [
    "CheckReadiness",
    "CreateTask",
    "CreateTaskCommand",
    "DeleteTask",
    "DeleteTaskCommand",
    "GetTask",
    "GetTaskCommand",
    "ListTasks",
    "ListTasksCommand",
    "PatchTask",
    "PatchTaskCommand",
    "ReplaceTask",
    "ReplaceTaskCommand",
    "SetCompletion",
    "SetCompletionCommand",
]
