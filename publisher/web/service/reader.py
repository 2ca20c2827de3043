"""Reading the store for pages: fixed queries with bound values, labels, property tables.

Request input never becomes query text as such: values reach a query only through a ``VALUES``
block written from validated pyoxigraph terms (:func:`bind`, :func:`iri_values`): an IRI that
could close its ``<…>`` or a literal that could close its quotes cannot be written.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pyoxigraph as ox

from ...namespaces import DEF, MPLAN, PREFIXES, SDG
from ..paths import Paths
from ..store import Row, Store

EXTRA_PREFIXES = {
    "foaf": "http://xmlns.com/foaf/0.1/", "spdx": "http://spdx.org/rdf/terms#",
    "hydra": "http://www.w3.org/ns/hydra/core#", "vann": "http://purl.org/vocab/vann/",
    "adms": "http://www.w3.org/ns/adms#", "dcatap": "http://data.europa.eu/r5r/",
    "csvw": "http://www.w3.org/ns/csvw#",
    "wgs84": "http://www.w3.org/2003/01/geo/wgs84_pos#",
}
ALL_PREFIXES = {**PREFIXES, **EXTRA_PREFIXES}
PROLOGUE = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(ALL_PREFIXES.items()))
INCOMING_SCAN = 10_000  # links a page reads to list and count what links to a resource
#: What a resource is called, best first. ``mplan:romanizedName`` (the registry's generated
#: romanisation, e.g. "Sapporo-shi"@en) comes last: an English page shows it only where there
#: is no English label, and a page whose title it is says that it was generated.
LABEL_PREDICATES = ("skos:prefLabel", "rdfs:label", "dcterms:title", "foaf:name", "mplan:romanizedName")
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SDG_NS = str(SDG)
CC = "https://creativecommons.org/licenses/"
_SDG_GOAL = re.compile(r"^([1-9]|1[0-7])$")
_SDG_TARGET = re.compile(r"^([1-9]|1[0-7])\.([1-9][0-9]?|[a-z])$")

Label = dict[str, str]  # language ("" when none) → text


def pick(label: Label, lang: str) -> str:
    """The text of ``label`` in ``lang``, else Japanese, else English, else any."""
    for key in (lang, "ja", "en", ""):
        if label.get(key):
            return label[key]
    return next(iter(label.values()), "")


@dataclass
class Ref:
    """A linked resource as a page shows it: where it links to and what it is called."""

    iri: str
    href: str
    label: Label = field(default_factory=dict)
    ours: bool = True

    def text(self, lang: str) -> str:
        return pick(self.label, lang)


@dataclass
class Value:
    """One object of a property: a link, a literal, or a blank node's own properties."""

    ref: Ref | None = None
    literal: str | None = None
    lang: str | None = None
    datatype: str | None = None  # a CURIE, for display
    nested: list[Prop] | None = None


@dataclass
class Prop:
    predicate: Ref
    values: list[Value]


def curie(iri: str) -> str:
    """``http://purl.org/dc/terms/title`` → ``dcterms:title`` where we know the prefix."""
    best = ""
    for prefix, ns in ALL_PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(best) and "/" not in iri[len(ns):]:
            best = ns
            name = f"{prefix}:{iri[len(ns):]}"
    return name if best else iri


def sdg_notation(iri: str) -> str | None:
    """``http://metadata.un.org/sdg/13.2`` → ``13.2`` for a well-formed goal or target IRI."""
    if not iri.startswith(SDG_NS):
        return None
    local = iri[len(SDG_NS):]
    return local if _SDG_GOAL.match(local) or _SDG_TARGET.match(local) else None


#: What pages call the classes of other vocabularies that they show as a kind (a search
#: result's badge): the store has no label for them.
CLASS_LABELS: dict[str, Label] = {
    "http://www.w3.org/2004/02/skos/core#Concept": {"ja": "概念", "en": "Concept"},
    "http://www.w3.org/2002/07/owl#Class": {"ja": "クラス", "en": "Class"},
    "http://www.w3.org/2002/07/owl#ObjectProperty": {"ja": "オブジェクトプロパティ",
                                                     "en": "Object property"},
    "http://www.w3.org/2002/07/owl#DatatypeProperty": {"ja": "データ型プロパティ",
                                                       "en": "Datatype property"},
    "http://www.w3.org/ns/dcat#Dataset": {"ja": "データセット", "en": "Dataset"},
}


def fallback_label(iri: str) -> Label:
    """What to call an IRI that has no label in the store.

    >>> fallback_label("http://www.w3.org/2004/02/skos/core#Concept")["en"]
    'Concept'
    """
    if iri in CLASS_LABELS:
        return dict(CLASS_LABELS[iri])
    note = sdg_notation(iri)
    if note:
        if "." in note:
            return {"ja": f"SDGs ターゲット {note}", "en": f"SDG target {note}"}
        return {"ja": f"SDGs 目標{note}", "en": f"SDG {note}"}
    if iri.startswith(str(MPLAN)):
        return {"": iri[len(str(MPLAN)):]}
    if iri.startswith(CC):
        kind, _, version = iri[len(CC):].strip("/").partition("/")
        return {"": f"CC {kind.upper()} {version.split('/')[-1]}".strip()}
    short = curie(iri)
    if short != iri:
        return {"": short}
    tail = iri.rstrip("/").rsplit("/", 1)[-1]
    return {"": tail or iri}


def term(value: str | ox.NamedNode | ox.Literal) -> str:
    """A term in SPARQL syntax, from a validated pyoxigraph term (a str is taken as an IRI and
    validated: no '>', spaces or other characters that could end it can get in)."""
    return str(ox.NamedNode(value) if isinstance(value, str) else value)


def bind(body: str, bindings: Mapping[str, str | ox.NamedNode | ox.Literal]) -> str:
    """``body`` with ``VALUES (?a ?b) { (…) }`` opening its WHERE group (its first ``{``).

    Our page queries never have a brace before their WHERE group, so the block binds the
    variables for the whole group; each value is written by :func:`term`.

    >>> bind("SELECT ?o { ?x ?p ?o }", {"x": "http://ex/a"})
    'SELECT ?o { VALUES (?x) { (<http://ex/a>) } ?x ?p ?o }'
    """
    if not bindings:
        return body
    names = list(bindings)
    for name in names:
        if not name.isidentifier():
            raise ValueError(f"bad variable name {name!r}")
    block = (f" VALUES ({' '.join('?' + n for n in names)}) "
             f"{{ ({' '.join(term(bindings[n]) for n in names)}) }}")
    at = body.index("{") + 1
    return body[:at] + block + body[at:]


def _is_iri(text: str) -> bool:
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


def iri_values(iris: Iterable[str]) -> str:
    """A VALUES body from IRIs, each validated by pyoxigraph (no '>' or spaces can get in)."""
    return " ".join(str(ox.NamedNode(i)) for i in iris)


class Reader:
    """Queries for pages over a :class:`~publisher.web.store.Store`."""

    def __init__(self, store: Store, paths: Paths):
        self.store = store
        self.paths = paths

    def select(self, body: str, **bindings: str | ox.NamedNode | ox.Literal) -> list[Row]:
        """Run a SELECT (the prefixes are added) with ``bindings`` bound (a str is an IRI)."""
        rows = self.store.query(PROLOGUE + bind(body, bindings))
        assert isinstance(rows, list)
        return rows  # type: ignore[return-value]

    def ask(self, body: str, **bindings: str | ox.NamedNode | ox.Literal) -> bool:
        return bool(self.store.query(PROLOGUE + bind(body, bindings)))

    def exists(self, iri: str) -> bool:
        """Is ``iri`` the subject of a triple or the name of a graph?"""
        return self.ask("ASK { { ?x ?p ?o } UNION { GRAPH ?x { ?s ?q ?v } } }", x=iri)

    def types(self, iri: str) -> set[str]:
        return {r["t"].value for r in self.select("SELECT DISTINCT ?t { ?x a ?t }", x=iri)}

    def labels(self, iris: Iterable[str]) -> dict[str, Label]:
        """Labels of many IRIs in one query, preferring skos:prefLabel, then rdfs:label, …"""
        wanted = sorted({i for i in iris if i and _is_iri(i)})
        out: dict[str, Label] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            # ?p is filtered, not bound by a second VALUES: with two VALUES blocks Oxigraph
            # may join them to a scan of every triple (seconds on a national store).
            rows = self.select(f"""
                SELECT ?s ?p ?l {{ VALUES ?s {{ {iri_values(chunk)} }} ?s ?p ?l
                  FILTER(isLiteral(?l) && ?p IN ({', '.join(LABEL_PREDICATES)})) }}""")
            rank = {ALL_PREFIXES[p.split(':')[0]] + p.split(':')[1]: n
                    for n, p in enumerate(LABEL_PREDICATES)}
            best: dict[tuple[str, str], int] = {}
            for r in rows:
                s, lit = r["s"].value, r["l"]
                lang = lit.language or ""
                n = rank[r["p"].value]
                if n < best.get((s, lang), 99):
                    best[(s, lang)] = n
                    out.setdefault(s, {})[lang] = lit.value
        return out

    def refs(self, iris: Iterable[str]) -> dict[str, Ref]:
        iris = [i for i in iris if i]
        found = self.labels(iris)
        return {i: Ref(i, self.paths.href(i), found.get(i) or fallback_label(i),
                       self.paths.path(i) is not None) for i in iris}

    def ref(self, iri: str) -> Ref:
        return self.refs([iri])[iri]

    def properties(self, iri: str, skip: Iterable[str] = ()) -> list[Prop]:
        """Every outgoing property of ``iri`` (blank nodes nested), labels resolved."""
        triples = [t for t in self.store.describe(iri, limit=0) if isinstance(t.subject, ox.NamedNode | ox.BlankNode)]
        by_subject: dict[object, list[ox.Triple]] = {}
        for t in triples:
            by_subject.setdefault(t.subject, []).append(t)
        names = {t.predicate.value for t in triples}
        names |= {t.object.value for t in triples if isinstance(t.object, ox.NamedNode)}
        refs = self.refs(names)
        skip = set(skip)

        def props(subject: object, depth: int) -> list[Prop]:
            grouped: dict[str, list[Value]] = {}
            for t in by_subject.get(subject, []):
                if t.predicate.value in skip and depth == 0:
                    continue
                o = t.object
                if isinstance(o, ox.NamedNode):
                    v = Value(ref=refs[o.value])
                elif isinstance(o, ox.BlankNode):
                    v = Value(nested=props(o, depth + 1) if depth < 3 else [])
                elif isinstance(o, ox.Literal):
                    dt = None if o.language or o.datatype.value.endswith("#string") else curie(o.datatype.value)
                    v = Value(literal=o.value, lang=o.language, datatype=dt)
                else:
                    v = Value(literal=str(o))
                grouped.setdefault(t.predicate.value, []).append(v)
            out = [Prop(refs[p], sorted(vs, key=_value_key)) for p, vs in grouped.items()]
            return sorted(out, key=lambda p: (p.predicate.iri != RDF_TYPE, curie(p.predicate.iri)))

        return props(ox.NamedNode(iri), 0)

    def incoming(self, iri: str, limit: int = 200,
                 scan: int = INCOMING_SCAN) -> tuple[list[tuple[Ref, Ref]], str]:
        """Resources linking to ``iri`` (subject, predicate), at most ``limit``, and how many
        subjects link to it: a count, or ``"N+"`` when more than ``scan`` links were found.

        A page reads at most ``scan`` links, so that a concept every element of the country
        uses (a level, say) answers in milliseconds; below that bound the list is the same on
        every store (ordered by predicate, then subject), above it the first ``limit`` of the
        ``scan`` links the store gave."""
        rows = self.select(f"SELECT ?s ?p {{ ?s ?p ?x FILTER(isIRI(?s)) }} LIMIT {int(scan) + 1}",
                           x=iri)
        complete = len(rows) <= scan
        pairs = sorted({(r["p"].value, r["s"].value) for r in rows[:scan]})
        total = len({s for _, s in pairs})
        shown = pairs[:limit]
        refs = self.refs({s for _, s in shown} | {p for p, _ in shown})
        return [(refs[s], refs[p]) for p, s in shown], f"{total:,}" if complete else f"{total:,}+"

    def plan_of(self, iri: str) -> str | None:
        """The plan a data IRI belongs to, from its shape (``B/plan/{id}/…``, ``B/dataset/{id}``)."""
        for kind in ("plan/", "dataset/"):
            prefix = self.paths.base + kind
            if iri.startswith(prefix):
                plan_id = iri[len(prefix):].split("/")[0]
                return f"{self.paths.base}plan/{plan_id}" if plan_id else None
        return None

    def is_def(self, iri: str) -> bool:
        return iri == DEF or iri.startswith(DEF + "/") or iri.startswith(DEF + "#")


def _value_key(v: Value) -> tuple:
    if v.ref is not None:  # the IRI breaks ties, so every store gives the same order
        return (0, v.ref.text("ja"), v.ref.iri)
    return (1, v.lang or "", v.literal or "")


def page_count(total: int, size: int) -> int:
    """How many pages of ``size`` items ``total`` items fill (at least one)."""
    return max(1, math.ceil(total / max(1, size)))


def number(term: ox.Literal | None) -> float | None:
    if term is None:
        return None
    try:
        return float(term.value)
    except ValueError:
        return None


def text_of(row: Row, name: str) -> str | None:
    term = row.get(name)
    return term.value if term is not None else None
