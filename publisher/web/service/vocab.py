"""Page data for the ontology (``/def``), concept schemes and concepts."""

from __future__ import annotations

import pyoxigraph as ox

from ...namespaces import DEF, MPLAN, PREFIXES
from .plans import provenance, texts
from .reader import Reader, number, text_of

TERM_KINDS = (
    ("http://www.w3.org/2002/07/owl#Class", "classes"),
    ("http://www.w3.org/2002/07/owl#ObjectProperty", "object_properties"),
    ("http://www.w3.org/2002/07/owl#DatatypeProperty", "datatype_properties"),
    ("http://www.w3.org/2002/07/owl#AnnotationProperty", "annotation_properties"),
    ("http://purl.org/linked-data/cube#DimensionProperty", "object_properties"),
)


def ontology_page(r: Reader) -> dict:
    """Every term of ``mplan:`` with its labels, comments, domain, range and super-terms."""
    # The graph is named in the query (DEF is ours, not request input): with ``GRAPH ?g`` and
    # ?g bound by VALUES, Oxigraph reads every graph in the store (minutes at national scale).
    rows = r.select(f"""SELECT ?t ?type ?c ?d ?dom ?range ?sup {{
        GRAPH {ox.NamedNode(DEF)} {{ ?t a ?type
        OPTIONAL {{ ?t rdfs:comment ?c }} OPTIONAL {{ ?t skos:definition ?d }}
        OPTIONAL {{ ?t rdfs:domain ?dom }} OPTIONAL {{ ?t rdfs:range ?range }}
        OPTIONAL {{ ?t rdfs:subClassOf|rdfs:subPropertyOf ?sup FILTER(isIRI(?sup)) }} }}
        FILTER(STRSTARTS(STR(?t), ?ns)) }}""", ns=ox.Literal(str(MPLAN)))
    terms: dict[str, dict] = {}
    for x in rows:
        t = x["t"].value
        term = terms.setdefault(t, {"types": set(), "comment": {}, "domain": set(), "range": set(),
                                    "super": set()})
        term["types"].add(x["type"].value)
        for key in ("c", "d"):
            if x.get(key) is not None:
                term["comment"][x[key].language or ""] = x[key].value
        for key, name in (("dom", "domain"), ("range", "range"), ("sup", "super")):
            if isinstance(x.get(key), ox.NamedNode):
                term[name].add(x[key].value)
    names = set(terms) | {i for t in terms.values() for k in ("domain", "range", "super") for i in t[k]}
    refs = r.refs(names)
    groups: dict[str, list[dict]] = {name: [] for _, name in TERM_KINDS}
    for t, term in sorted(terms.items()):
        kind = next((name for iri, name in TERM_KINDS if iri in term["types"]), None)
        if kind is None:
            continue
        groups[kind].append({"ref": refs[t], "anchor": t[len(str(MPLAN)):], "comment": term["comment"],
                             **{k: sorted((refs[i] for i in term[k]), key=lambda x: x.iri)
                                for k in ("domain", "range", "super")}})
    schemes = r.select("SELECT ?s { GRAPH ?s { ?s a skos:ConceptScheme } } ORDER BY ?s")
    more = r.refs([x["s"].value for x in schemes])
    return {"ref": r.ref(DEF), "groups": groups,
            "schemes": [more[x["s"].value] for x in schemes],
            "texts": texts(r, DEF, ("dcterms:description", "dcterms:title", "owl:versionInfo",
                                    "dcterms:modified")),
            "provenance": provenance(r, DEF)}


def query_terms(r: Reader) -> dict:
    """What the query editor completes: the prefixes, and each ``mplan:`` term of the ontology
    as a prefixed name with its kind and labels."""
    rows = r.select(f"""SELECT ?t ?type ?l {{
        GRAPH {ox.NamedNode(DEF)} {{ ?t a ?type OPTIONAL {{ ?t rdfs:label ?l }} }}
        FILTER(STRSTARTS(STR(?t), ?ns)) }}""", ns=ox.Literal(str(MPLAN)))
    kinds = dict(TERM_KINDS)
    terms: dict[str, dict] = {}
    for x in rows:
        kind = kinds.get(x["type"].value)
        local = x["t"].value[len(str(MPLAN)):]
        if kind is None or not local:
            continue
        term = terms.setdefault(local, {"term": f"mplan:{local}", "kind": kind, "label": {}})
        if x.get("l") is not None:
            term["label"][x["l"].language or ""] = x["l"].value
    return {"prefixes": dict(sorted(PREFIXES.items())), "terms": [terms[k] for k in sorted(terms)]}


def scheme_page(r: Reader, iri: str) -> dict:
    rows = r.select("""SELECT ?c ?n ?rank ?order ?d { ?c skos:inScheme ?s
        OPTIONAL { ?c skos:notation ?n } OPTIONAL { ?c mplan:rank ?rank }
        OPTIONAL { ?c mplan:order ?order }
        OPTIONAL { ?c skos:definition ?d } }""", s=iri)
    concepts: dict[str, dict] = {}
    for x in rows:
        c = concepts.setdefault(x["c"].value, {"notation": text_of(x, "n"), "definition": {},
                                               "key": (number(x.get("rank")) or number(x.get("order")) or 0,
                                                       text_of(x, "n") or "")})
        if x.get("d") is not None:
            c["definition"][x["d"].language or ""] = x["d"].value
    refs = r.refs(concepts)
    return {"ref": r.ref(iri),
            "concepts": [{"ref": refs[c], **v} for c, v in sorted(concepts.items(),
                                                                   key=lambda kv: kv[1]["key"])],
            "texts": texts(r, iri, ("dcterms:description",)),
            "provenance": provenance(r, iri)}


def concept_page(r: Reader, iri: str) -> dict:
    facts = r.select("""SELECT ?scheme ?n ?broader { OPTIONAL { ?x skos:inScheme ?scheme }
        OPTIONAL { ?x skos:notation ?n } OPTIONAL { ?x skos:broader ?broader } }""", x=iri)
    f = facts[0] if facts else {}
    narrower = r.select("SELECT ?c { ?c skos:broader ?x } ORDER BY ?c", x=iri)
    used, total = r.incoming(iri, limit=300)
    refs = r.refs({text_of(f, "scheme"), text_of(f, "broader")} - {None} | {x["c"].value for x in narrower})
    return {"ref": r.ref(iri), "scheme": refs.get(text_of(f, "scheme") or ""),
            "notation": text_of(f, "n"), "broader": refs.get(text_of(f, "broader") or ""),
            "narrower": [refs[x["c"].value] for x in narrower],
            "used_by": [(s, p) for s, p in used if p.iri not in (
                "http://www.w3.org/2004/02/skos/core#hasTopConcept",
                "http://www.w3.org/2004/02/skos/core#narrower")],
            "used_total": total,
            "texts": texts(r, iri, ("skos:definition", "skos:scopeNote", "rdfs:comment")),
            "provenance": provenance(r, text_of(f, "scheme") or iri)}


def is_scheme(r: Reader, iri: str) -> bool:
    return r.ask("ASK { ?x a skos:ConceptScheme }", x=iri)


def is_concept(r: Reader, iri: str) -> bool:
    return r.ask("ASK { ?x a skos:Concept }", x=iri)
