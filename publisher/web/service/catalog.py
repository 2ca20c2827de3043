"""Page data for the home page, datasets, the catalog (paged with Hydra), search and sitemap."""

from __future__ import annotations

import pyoxigraph as ox

from ...namespaces import DEF
from ...publish.views import normalize
from .links import SDG_GOALS
from .plans import provenance, texts
from .reader import Reader, iri_values, number, page_count, term, text_of

HYDRA = "http://www.w3.org/ns/hydra/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SITEMAP_CLASSES = ("mplan:Plan", "mplan:PlanElement", "mplan:Indicator", "mplan:Municipality",
                   "mplan:Prefecture", "dcat:Dataset", "skos:Concept", "skos:ConceptScheme")
DCAT_DATASET = "http://www.w3.org/ns/dcat#dataset"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCAT = "http://www.w3.org/ns/dcat#"
VOID = "http://rdfs.org/ns/void#"
# Oxigraph stores xsd:nonNegativeInteger as xsd:integer; the catalog publishes the former
PUBLISHED_TYPES = {DCAT + "byteSize": ox.NamedNode(XSD + "nonNegativeInteger")}
# Links a client follows (to download, to query): on the host it asked, unless that is production
LINKS = frozenset({DCAT + "accessURL", DCAT + "downloadURL", DCAT + "endpointURL",
                   VOID + "dataDump", VOID + "sparqlEndpoint"})


def graph_triples(r: Reader, graph: str) -> list[ox.Triple]:
    """Every triple of the named graph ``graph``."""
    result = r.store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {term(graph)} {{ ?s ?p ?o }} }}")
    assert isinstance(result, list)
    return result  # type: ignore[return-value]


def catalog_datasets(r: Reader, catalog: str) -> list[str]:
    rows = r.select("SELECT ?d { ?c dcat:dataset ?d } ORDER BY ?d", c=catalog)
    return [x["d"].value for x in rows]


def published(t: ox.Triple, base: str, root: str | None) -> ox.Triple:
    """``t`` as ``catalog.ttl`` has it (the datatypes the store changed), its links moved from
    ``base`` to ``root`` (the address the client asked) unless ``root`` is None."""
    o = t.object
    if isinstance(o, ox.Literal) and t.predicate.value in PUBLISHED_TYPES:
        o = ox.Literal(o.value, datatype=PUBLISHED_TYPES[t.predicate.value])
    elif root is not None and isinstance(o, ox.NamedNode) and t.predicate.value in LINKS \
            and o.value.startswith(base):
        o = ox.NamedNode(root + o.value[len(base):])
    return ox.Triple(t.subject, t.predicate, o)


def catalog_triples(r: Reader, catalog: str, page: int | None, size: int,
                    root: str | None = None, ext: str | None = None) -> list[ox.Triple]:
    """The catalog graph, as published in ``catalog.ttl``, in the same order; when it has more
    than ``size`` datasets (or a page is asked), only page ``page`` of them, with a Hydra
    ``PartialCollectionView`` linking first, previous, next and last pages (``next`` only
    before the last page, so paging never loops). With a ``root`` (this site's address, when
    it is not the production host of the base), the links to pages, downloads and the SPARQL
    endpoint are on it, so that a harvester of any instance can follow them. With ``ext`` (the
    page was asked as ``catalog.ttl``), the pages' links keep it, so a client that sends no
    ``Accept`` (CKAN's harvester) gets every page in the same format."""
    base = r.paths.base
    triples = sorted((published(t, base, root) for t in graph_triples(r, catalog)),
                     key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    datasets = catalog_datasets(r, catalog)
    pages = page_count(len(datasets), size)
    if page is None and pages == 1:
        return triples
    page = page or 1
    dropped = set(datasets) - set(datasets[(page - 1) * size: page * size])

    def owned(term: object) -> bool:
        """Is ``term`` a dropped dataset or an IRI under one (``d/…``)? One set lookup per
        "/" of the IRI, not one comparison per dataset (1,788 datasets × every triple)."""
        if not isinstance(term, ox.NamedNode):
            return False
        v = term.value
        while v not in dropped:
            cut = v.rfind("/")
            if cut <= 0:
                return False
            v = v[:cut]
        return True

    out = [t for t in triples if not owned(t.subject) and not owned(t.object)]
    cat = ox.NamedNode(catalog)

    here = (catalog if root is None else root + catalog[len(base):]) + (f".{ext}" if ext else "")

    def view(n: int) -> ox.NamedNode:
        return ox.NamedNode(f"{here}?page={n}")

    me = view(page)
    out += [ox.Triple(cat, ox.NamedNode(HYDRA + "view"), me),
            ox.Triple(cat, ox.NamedNode(HYDRA + "totalItems"), ox.Literal(str(len(datasets)),
                      datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))),
            ox.Triple(me, ox.NamedNode(RDF_TYPE), ox.NamedNode(HYDRA + "PartialCollectionView")),
            ox.Triple(me, ox.NamedNode(HYDRA + "first"), view(1)),
            ox.Triple(me, ox.NamedNode(HYDRA + "last"), view(pages))]
    if page > 1:
        out.append(ox.Triple(me, ox.NamedNode(HYDRA + "previous"), view(page - 1)))
    if page < pages:
        out.append(ox.Triple(me, ox.NamedNode(HYDRA + "next"), view(page + 1)))
    return out


def catalog_page(r: Reader, catalog: str, page: int, size: int) -> dict:
    datasets = catalog_datasets(r, catalog)
    pages = page_count(len(datasets), size)
    shown = datasets[(page - 1) * size: page * size]
    refs = r.refs(shown)
    return {"ref": r.ref(catalog), "datasets": [refs[d] for d in shown], "page": page,
            "pages": pages, "total": len(datasets),
            "texts": texts(r, catalog, ("dcterms:description", "dcterms:modified")),
            "provenance": provenance(r, catalog)}


def dataset_page(r: Reader, iri: str) -> dict:
    facts = r.select("""SELECT ?license ?modified ?publisher ?topic ?triples {
        OPTIONAL { ?d dcterms:license ?license } OPTIONAL { ?d dcterms:modified ?modified }
        OPTIONAL { ?d dcterms:publisher ?publisher } OPTIONAL { ?d foaf:primaryTopic ?topic }
        OPTIONAL { ?d void:triples ?triples } } LIMIT 1""", d=iri)
    f = facts[0] if facts else {}
    dists = r.select("""SELECT ?dist ?media ?size ?url ?sum { ?d dcat:distribution ?dist
        OPTIONAL { ?dist dcat:mediaType ?media } OPTIONAL { ?dist dcat:byteSize ?size }
        OPTIONAL { ?dist dcat:downloadURL ?url }
        OPTIONAL { ?dist spdx:checksum/spdx:checksumValue ?sum } } ORDER BY ?dist""", d=iri)
    spatial = r.select("SELECT ?s { ?d dcterms:spatial ?s } ORDER BY ?s", d=iri)
    refs = r.refs({text_of(f, k) for k in ("license", "publisher", "topic")} - {None}
                  | {x["dist"].value for x in dists} | {x["s"].value for x in spatial})
    return {
        "ref": r.ref(iri), "license": refs.get(text_of(f, "license") or ""),
        "modified": text_of(f, "modified"), "publisher": refs.get(text_of(f, "publisher") or ""),
        "plan": refs.get(text_of(f, "topic") or ""), "triples": text_of(f, "triples"),
        "spatial": [refs[x["s"].value] for x in spatial],
        "distributions": [{"ref": refs[x["dist"].value],
                           "media": (text_of(x, "media") or "").rsplit("media-types/", 1)[-1],
                           "size": int(number(x.get("size")) or 0),
                           "href": r.paths.href(text_of(x, "url") or ""),
                           "sha256": text_of(x, "sum")} for x in dists],
        "texts": texts(r, iri, ("dcterms:description",)),
        "provenance": provenance(r, iri),
    }


def home_page(r: Reader) -> dict:
    counts = r.select("""SELECT
        (COUNT(DISTINCT ?m) AS ?municipalities) (COUNT(DISTINCT ?p) AS ?plans) {
        ?p a mplan:Plan ; mplan:municipality ?m }""")
    more = r.select("""SELECT (COUNT(DISTINCT ?e) AS ?elements) {
        ?e a mplan:PlanElement }""")
    ind = r.select("SELECT (COUNT(DISTINCT ?i) AS ?indicators) { ?i a mplan:Indicator }")
    vals = r.select("SELECT (COUNT(DISTINCT ?v) AS ?values) { ?v a mplan:IndicatorValue }")
    links = r.select("SELECT (COUNT(DISTINCT ?a) AS ?links) { ?x mplan:alignment ?a }")
    # The published triples, as the all-plans dataset's VoID states them (counting the store's
    # quads takes seconds at national scale); a store without a catalog is counted.
    triples = r.select("SELECT ?n { ?d void:triples ?n }", d=f"{r.paths.base}dataset/all") or \
        r.select("SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }")
    plans = r.select("""SELECT ?p ?m ?code ?status ?pt ?modified { ?p a mplan:Plan ; mplan:municipality ?m
        OPTIONAL { ?m mplan:localGovernmentCode ?code } OPTIONAL { ?p mplan:status ?status }
        OPTIONAL { ?p mplan:periodText ?pt }
        OPTIONAL { ?d foaf:primaryTopic ?p ; dcterms:modified ?modified } } ORDER BY ?code ?p""")
    refs = r.refs({x["p"].value for x in plans} | {x["m"].value for x in plans}
                  | {text_of(x, "status") for x in plans} - {None})
    by_muni: dict[str, dict] = {}
    for x in plans:
        m = x["m"].value
        entry = by_muni.setdefault(m, {"ref": refs[m], "code": text_of(x, "code"), "plans": []})
        if all(p["ref"].iri != x["p"].value for p in entry["plans"]):
            entry["plans"].append({"ref": refs[x["p"].value], "status": refs.get(text_of(x, "status") or ""),
                                   "period": text_of(x, "pt"), "modified": text_of(x, "modified")})
    c = {**counts[0], **more[0], **ind[0], **vals[0], **links[0]} if counts else {}
    return {"counts": {k: int(v.value) for k, v in c.items()},
            "triples": int(triples[0]["n"].value) if triples else 0,
            "municipalities": list(by_muni.values())}


def search(r: Reader, q: str, limit: int = 200) -> dict:
    """Resources whose label contains ``q`` (a substring; no tokenizer), best matches first,
    read from the store: for a release without its index (see :mod:`.search`)."""
    needle = normalize(q)
    if not needle:
        return {"q": q, "results": [], "more": False}
    rows = r.select(f"""SELECT DISTINCT ?s ?l {{
        VALUES ?p {{ rdfs:label skos:prefLabel dcterms:title foaf:name }}
        ?s ?p ?l FILTER(isIRI(?s) && isLiteral(?l) && CONTAINS(LCASE(STR(?l)), ?needle)) }}
        LIMIT {limit * 4}""", needle=ox.Literal(needle))
    hits: dict[str, str] = {}
    for x in rows:
        s, label = x["s"].value, x["l"].value
        if s not in hits or len(label) < len(hits[s]):
            hits[s] = label
    if not hits:
        return {"q": q, "results": [], "more": False}
    ordered = sorted(hits, key=lambda s: (normalize(hits[s]) != needle,
                                          not normalize(hits[s]).startswith(needle), len(hits[s]), s))
    more = len(ordered) > limit
    ordered = ordered[:limit]
    ctx = r.select(f"""SELECT ?s ?kind ?plan ?muni {{ VALUES ?s {{ {iri_values(ordered)} }}
        OPTIONAL {{ ?s mplan:level ?level }} OPTIONAL {{ ?s a ?type
          FILTER(?type IN (mplan:Plan, mplan:Indicator, mplan:Municipality, skos:Concept,
                           mplan:IndicatorValue, owl:Class, owl:ObjectProperty, owl:DatatypeProperty,
                           dcat:Dataset, mplan:SourceDocument, mplan:Viewpoint)) }}
        BIND(COALESCE(?level, ?type) AS ?kind)
        OPTIONAL {{ ?s mplan:inPlan ?plan OPTIONAL {{ ?plan mplan:municipality ?muni }} }} }}""")
    info: dict[str, dict] = {}
    for x in ctx:
        i = info.setdefault(x["s"].value, {"kind": None, "plan": None, "muni": None})
        for k in ("kind", "plan", "muni"):
            i[k] = i[k] or text_of(x, k)
    for s, i in info.items():  # parts without mplan:inPlan still live under their plan's IRI
        if i["plan"] is None and r.plan_of(s) not in (None, s):
            i["plan"] = r.plan_of(s)
    refs = r.refs(set(ordered) | {v for i in info.values() for v in i.values()} - {None})
    results = [{"ref": refs[s], "match": hits[s],
                **{k: refs.get(info.get(s, {}).get(k) or "") for k in ("kind", "plan", "muni")}}
               for s in ordered]
    return {"q": q, "results": results, "more": more}


def sitemap_iris(r: Reader, catalog: str) -> list[str]:
    """Every page worth indexing, by IRI."""
    # One query per class, unordered (sorted here): one UNION with DISTINCT and ORDER BY takes
    # Oxigraph a minute on a national store, these take seconds.
    iris = {x["s"].value for kind in SITEMAP_CLASSES
            for x in r.select(f"SELECT ?s {{ ?s a {kind} }}") if r.paths.path(x["s"].value)}
    return sorted(iris | {DEF, catalog} | set(SDG_GOALS))
