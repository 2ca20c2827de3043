"""Every catalogue query through SPARQLWrapper, as a researcher sends it: the query text as it
is (header comments included), no ``setQueryType``, against the seed app on a real socket.

SPARQLWrapper guesses the query form from the text, comments and all (it strips only every
other comment line); a description that says "add" once made it send a SELECT as an update,
which ``/sparql`` refuses. This test keeps every header clear of such guesses, and checks that
the answer is the store's own.
"""

from __future__ import annotations

from collections import Counter

import pyoxigraph as ox
import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

from publisher import queries

CATALOGUE = queries.catalogue()


def query_form(text: str) -> str:
    """The form the query's text declares: the first word after its comments and prefixes."""
    body = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith(("#", "PREFIX"))]
    return body[0].split()[0].upper()


def oracle(store: ox.Store, query: queries.CatalogueQuery) -> Counter:
    solutions = queries.run(store, query)
    names = [v.value for v in solutions.variables]
    return Counter(tuple(None if s[n] is None else s[n].value for n in names) for s in solutions)


@pytest.mark.parametrize("query", CATALOGUE, ids=[q.name for q in CATALOGUE])
def test_catalogue_query_runs_through_sparqlwrapper(server, store, query) -> None:  # noqa: ANN001
    client = SPARQLWrapper(f"{server.url}/sparql", returnFormat=JSON)
    client.setQuery(query.text)
    assert client.queryType == query_form(query.text), "SPARQLWrapper guesses another query form"
    assert not client.isSparqlUpdateRequest(), "SPARQLWrapper would send this query as an update"
    answer = client.queryAndConvert()
    names = answer["head"]["vars"]
    got = Counter(tuple(row[n]["value"] if n in row else None for n in names)
                  for row in answer["results"]["bindings"])
    assert got == oracle(store, query)
