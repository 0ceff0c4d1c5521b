"""Each route of ``/api/v1`` declares, once, what it takes and what it answers (``@operation(...)`` under the route's
decorator). The OpenAPI document (``web.api.openapi``) is generated from these declarations, and ``json_body()``
checks a request's body against the same schema before the handler reads it, so the contract cannot drift from the
code that enforces it. The same goes for query parameters: ``web.api.parsing.read_query`` checks a request's against its
route's declared ``Param``s before the handler runs, and handlers read only the values it parsed."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from jsonschema.protocols import Validator

from engine.forms import plain_validator
from engine.paging import DEFAULT_LIMIT, MAX_LIMIT

Schema = Mapping[str, Any]
F = TypeVar("F", bound=Callable[..., Any])

_ATTRIBUTE = "api_operation"


@dataclass(frozen=True)
class Param:
    """A query parameter: its JSON Schema, what it means, whether the route refuses to answer without it. An empty
    value (``?format=``) reads as absent, as it always has: the document says so with ``allowEmptyValue``."""

    name: str
    schema: Schema
    description: str
    required: bool = False

    @property
    def integer(self) -> bool:
        """Whether the text of its value may stand for an integer (``{"type": "integer"}`` or one branch of it)."""
        branches = self.schema.get("anyOf", [self.schema])
        return any(branch.get("type") == "integer" for branch in branches)


# Query parameters several routes share.
AFTER = Param("after", {"type": "string"}, "上一页响应 Link 头中的游标（不透明字符串）")
LIMIT = Param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}, f"每页条数（默认 {DEFAULT_LIMIT}）")
PAGED_QUERY = (AFTER, LIMIT)


@dataclass(frozen=True)
class Files:
    """A file answer instead of JSON (a PDF, a workbook): its media types, chosen by the route's ``format``/``meta``."""

    media_types: tuple[str, ...]


@dataclass(frozen=True)
class Operation:
    """What one route takes and answers.

    ``body``: the JSON Schema of its JSON body (checked by ``json_body()``); ``upload``: the multipart (and XML) body
    of a file upload instead; ``answers``: status → JSON Schema of a successful answer; ``refusals``: the error
    statuses its rules give (400, 401, 404 of a path, 413 and 422 of a body follow from what it takes and are added
    by the generator); ``paged``: a list answered a page at a time (``after``/``limit``, ``Link``, ``X-Total-Count``).
    """

    summary: str
    answers: Mapping[int, Schema]
    refusals: tuple[int, ...] = ()
    body: Schema | None = None
    body_required: bool = True
    upload: Schema | None = None
    xml_upload: bool = False
    query: tuple[Param, ...] = ()
    files: Files | None = None
    paged: bool = False
    public: bool = False
    body_validator: Validator | None = field(init=False, repr=False, compare=False)
    query_validator: Validator = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # compiled once, as the route is declared: a schema that is not valid JSON Schema fails at import
        object.__setattr__(self, "body_validator", plain_validator(self.body) if self.body is not None else None)
        object.__setattr__(self, "query_validator", plain_validator({
            "type": "object", "properties": {p.name: dict(p.schema) for p in self.parameters},
            "required": [p.name for p in self.parameters if p.required]}))

    @property
    def parameters(self) -> tuple[Param, ...]:
        """Every query parameter it takes: its own, then ``after``/``limit`` when it is paged."""
        return (*self.query, *(PAGED_QUERY if self.paged else ()))


def operation(summary: str, answers: Mapping[int, Schema], **details: Any) -> Callable[[F], F]:
    """Declare the route below (see ``Operation``); the view is returned unchanged, carrying its declaration."""
    declared = Operation(summary, answers, **details)

    def declare(view: F) -> F:
        setattr(view, _ATTRIBUTE, declared)
        return view

    return declare


def declaration(view: Callable[..., Any] | None) -> Operation | None:
    """The route's declaration, None for a view that has none."""
    return getattr(view, _ATTRIBUTE, None)


