"""Who may see and act on what: lanes name roles, places form a tree of materialized paths."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """The user on whose behalf the engine acts: one role, one place (by its materialized path).

    ``place_scope`` False is an actor whose place does not open its records to it (a line department at a
    county): it sees no instance, task, document or household by place, only what the domain grants it.
    """

    username: str
    role: str
    place_path: str
    place_scope: bool = True

    def sees(self, place_path: str) -> bool:
        """A user sees its own place and everything below it."""
        return self.place_scope and place_path.startswith(self.place_path)

    def may_work_on(self, role: str | None, place_path: str) -> bool:
        """A READY task is this user's when its lane is the user's role (or it has no lane) in scope."""
        return self.sees(place_path) and (role is None or role == self.role)


SYSTEM = Actor(username="system", role="system", place_path="/")
