"""The checks, one module per kind of record; importing this package registers every one in the catalogue."""

from monitoring.quality.checks import elimination, identity, income, labour, measures, members, risk_types  # noqa: F401
