"""Small registered renderers, chosen by the key of the negotiated offer.

- ``html``: :class:`~publisher.web.renderers.html.HtmlRenderer` (Jinja2 templates);
- one RDF writer per format of the format registry (``ttl``, ``nt``, ``jsonld``, ``rdf``,
  ``trig``, ``nq``): :data:`RDF_RENDERERS`;
- one SPARQL results writer per results format (``json``, ``xml``, ``csv``, ``tsv``):
  :data:`~publisher.web.renderers.results.RESULT_WRITERS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial

import pyoxigraph as ox

from ...formats import FORMATS
from .rdf import render_rdf
from .results import RESULT_WRITERS

RDF_RENDERERS: dict[str, Callable[[Iterable[ox.Triple]], bytes]] = {
    f.extension: partial(render_rdf, key=f.extension) for f in FORMATS}

__all__ = ["RDF_RENDERERS", "RESULT_WRITERS", "render_rdf"]
