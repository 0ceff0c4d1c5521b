"""Stand-ins for the domain functions a process model calls, each call recorded, for running a model on raw
SpiffWorkflow. The fakes every process shares (notices, documents, votes, rejections) live here once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from engine.scripting import today


class RecordingDomain:
    """Subclasses name the functions their model calls in ``NAMES`` and define ``_<name>`` for the rest."""

    NAMES: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self._notices = 0

    def functions(self) -> dict[str, Any]:
        return {name: self._recorded(name) for name in self.NAMES}

    def _recorded(self, name: str) -> Any:
        implementation = getattr(self, "_" + name)

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, (*args, *kwargs.values())))
            return implementation(*args, **kwargs)

        return call

    def called(self, name: str) -> list[tuple[Any, ...]]:
        return [args for called, args in self.calls if called == name]

    def _issue_documents(self, kinds: list[str], step: str) -> None:
        """Documents are asked for; the fake keeps only the call."""

    def _issue_notice_document(self, notice_id: int, step: str) -> None:
        """The notice's annex is asked for; the fake keeps only the call."""

    def _check_votes(self, appraisal: dict[str, Any], majority: str) -> None:
        """The domain checks the votes against the result (tests/web); the fake keeps only the call."""

    def _post_notice(self, stage: str, days: int) -> dict[str, Any]:
        self._notices += 1
        starts = today()
        return {"notice_id": self._notices, "starts_on": starts.isoformat(),
                "ends_on": (starts + timedelta(days=days)).isoformat()}

    def _record_rejection(self, step: str, reason: str) -> None:
        return None
