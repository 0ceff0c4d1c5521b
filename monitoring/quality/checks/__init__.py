"""The checks, one module per kind of record; importing this package registers every one in the catalogue."""

from monitoring.quality.checks import elimination, measures  # noqa: F401
