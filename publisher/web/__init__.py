"""`planlod serve`: the linked-data site and the SPARQL endpoint over the published store.

Modules, by responsibility: :mod:`.app` (the factory), :mod:`.routes` (thin routes),
:mod:`.conneg` (content negotiation), :mod:`.service` (what each IRI is and its page data),
:mod:`.renderers` (HTML, RDF, SPARQL results), :mod:`.endpoint` (the SPARQL protocol),
:mod:`.sparql` (checks, limits and execution of a query), :mod:`.pool` and :mod:`.worker`
(worker processes), :mod:`.store` (the store interface), :mod:`.paths` (IRI ↔ local path).

``create_app`` is imported lazily so that a worker process (``python -m publisher.web.worker``)
loads no web framework.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .app import create_app
        return create_app
    raise AttributeError(name)
