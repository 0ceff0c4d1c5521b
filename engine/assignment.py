"""Who may see and act on what: lanes name roles, places form a tree of materialized paths, and a
task may be routed to a department (``engine.routing``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class AssignedTask(Protocol):
    """What says whose a task is (a ``tasks`` row): lane, place, whether its model placed it there, department."""

    role: str | None
    place_path: str
    placed: bool
    department: str | None


@dataclass(frozen=True)
class Actor:
    """The user on whose behalf the engine acts: one role, one place (by its materialized path).

    ``place_scope`` False is an actor whose place does not open its records to it (a line department at a
    county): it sees no instance, task, document or household by place, only what the domain grants it
    and the tasks routed to its ``department`` (with their cases, to read).
    """

    username: str
    role: str
    place_path: str
    place_scope: bool = True
    department: str | None = None

    def sees(self, place_path: str) -> bool:
        """A user sees its own place and everything below it."""
        return self.place_scope and place_path.startswith(self.place_path)

    def may_work_on(self, task: AssignedTask) -> bool:
        """A task is this user's when its lane is the user's role (or it has no lane), when placed
        (``engine.placement``) at the user's own place, and, if it is routed to a department, that is the
        user's at the user's place or below, else the user sees its place.
        ``engine.routing.assigned_to`` is the same rule in SQL."""
        if task.role is not None and task.role != self.role:
            return False
        if task.placed and task.place_path != self.place_path:
            return False  # the model gave it to that place: a user above in the same role would lock it out
        if task.department is None:
            return self.sees(task.place_path)
        return task.department == self.department and task.place_path.startswith(self.place_path)


SYSTEM = Actor(username="system", role="system", place_path="/")
