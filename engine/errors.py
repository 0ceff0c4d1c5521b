"""The engine's own exceptions; the web layer maps each to an HTTP status."""

from __future__ import annotations

from dataclasses import dataclass


class EngineError(Exception):
    """Base of every error the engine raises on purpose."""

    code = "engine_error"


class NotFound(EngineError):
    """The object does not exist, or the actor may not see it (the two are never told apart)."""

    code = "not_found"


class NotDeployed(NotFound):
    """No version of the process is deployed. Unlike other NotFounds it may say so: the list of deployed
    models is open to every user, and "not found or not yours" would read like a permission problem."""

    code = "process_not_deployed"

    def __init__(self, key: str) -> None:
        super().__init__(f"流程“{key}”尚未部署")
        self.key = key


class Forbidden(EngineError):
    """The actor sees the object but its role may not do this."""

    code = "forbidden"


class Conflict(EngineError):
    """The state changed under the request: task already completed or claimed, stale instance."""

    code = "conflict"


class TaskWithdrawn(Conflict):
    """The process withdrew the task on its own as the request reached it (a deadline's timer, due by then, fired as
    the case opened): the submission is not saved, and the user is told why rather than a bare conflict."""

    code = "task_withdrawn"


class StaleCase(Conflict):
    """A step that read its case without locking it (``engine.tasks``'s ``sole_write``) found it saved by another step
    meanwhile, and wrote nothing: it is done again, the case locked."""

    code = "stale_case"


class AlreadyOpen(Conflict):
    """An exclusive instance was started while another of its process and business key runs (the database's
    unique index refused it); ``instance_id`` is the one that runs."""

    code = "already_open"

    def __init__(self, instance_id: int | None) -> None:
        super().__init__(f"已有进行中的案件 (#{instance_id})")
        self.instance_id = instance_id


class ScriptError(EngineError):
    """A process script or expression failed to compile or run inside the sandbox."""

    code = "script_error"


class InvalidData(EngineError):
    """Submitted data breaks the rules; ``fields`` says which field and why (in Chinese)."""

    code = "invalid_data"

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or {}


@dataclass(frozen=True)
class DeployProblem:
    """One reason a process model was refused: which file, which line, what is wrong, and the id of the BPMN/DMN
    element it is about (``None``: the file as a whole), so that an editor can mark that element."""

    file: str
    line: int | None
    message: str
    element: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        about = f"元素“{self.element}”: " if self.element else ""
        return f"{where}: {about}{self.message}"


class DeployError(EngineError):
    """A process model was refused; nothing was stored."""

    code = "invalid_process_model"

    def __init__(self, problems: list[DeployProblem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems
