"""A SHACL engine specialised to the features shapes/*.ttl uses, with pySHACL's results.

pySHACL spends a plan's validation in rdflib's memory store and its generic machinery. This
engine compiles the shapes graph once per process, then validates each plan over plain
dictionaries (subject → predicate → objects and back) built from the plan's N-Triples, and runs
the SPARQL parts (SHACL-AF SPARQL targets, SPARQL-based constraints) on an in-memory
pyoxigraph store holding the plan and the vocabularies. It mirrors pySHACL 0.40 as
``validate.validate_graph`` calls it (``inference="none"``, ``advanced=True``, warnings and
infos allowed): the same focus nodes, results, messages, conforms flag and report graph
(isomorphic, blank-node labels aside). tests/test_fastshacl.py checks this against pySHACL.

What the engine does not know, it refuses instead of skipping:

- :class:`UnsupportedShapes` when the shapes graph uses any SHACL feature outside the list in
  :data:`SHAPE_PARAMETERS` (compile time); validate.py then validates with pySHACL.
- :class:`UnsupportedData` for data where rdflib and Oxigraph see different terms: literals
  typed ``xsd:string`` explicitly (RDF 1.1 and Oxigraph identify them with plain literals,
  rdflib does not), and one language tag spelt in two cases (``ja-Kana``, ``ja-kana``: rdflib
  keeps two terms, Oxigraph one). validate.py validates such a plan with pySHACL. Oxigraph
  lower-cases language tags; the engine gives the data's spelling back (``ja-Kana``) wherever a
  term leaves it (results, messages, datatype checks), and refuses data with capitals in a tag
  when a SPARQL text of the shapes reads ``LANG()``.

The data must be an rdflib Graph or N-Triples written by rdflib, so that literals have rdflib's
normalised lexical forms on both sides (``canonical_nt`` is).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from pyshacl.constraints.constraint_component import ConstraintComponent
from pyshacl.errors import ValidationFailure
from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper
from pyshacl.rdfutil.clone import clone_blank_node
from pyshacl.rdfutil.compare import compare_literal
from pyshacl.rdfutil.stringify import stringify_node
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

from .publish.dumps import ox_term

__all__ = ["Engine", "UnsupportedData", "UnsupportedShapes", "EngineReport"]


class UnsupportedShapes(ValueError):
    """The shapes graph uses a feature this engine does not implement."""


class UnsupportedData(ValueError):
    """The data holds terms that rdflib and Oxigraph would see differently."""


ALLOWED = frozenset({SH.Info, SH.Warning})  # validate_graph: allow_warnings and allow_infos
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)

# Every sh: predicate a shape may carry; anything else makes compiling refuse the graph.
SHAPE_PARAMETERS = frozenset({
    *TARGETS, SH.path, SH.property, SH.node, SH["or"], SH["not"], SH.qualifiedValueShape,
    SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.minCount, SH.maxCount, SH.pattern,
    SH.flags, SH.datatype, SH["class"], SH.hasValue, SH.nodeKind, SH.minInclusive,
    SH.maxInclusive, SH.languageIn, SH.uniqueLang, SH["in"], SH.sparql, SH.severity, SH.message,
    SH.deactivated, SH.name, SH.description, SH.order, SH.group, SH.defaultValue,
})
# Constructs of the shapes graph that pySHACL would act on and this engine does not know.
UNSUPPORTED_SUBJECTS_OF = (SH.rule, SH.parameter, SH.nodeValidator, SH.propertyValidator,
                           SH.validator, SH.expression, SH.js, SH.jsFunctionName, SH.shapesGraph)
UNSUPPORTED_TYPES = (SH.ConstraintComponent, SH.SPARQLTargetType, SH.JSTarget, SH.JSTargetType,
                     SH.SPARQLFunction, SH.SPARQLRule, SH.TripleRule, SH.JSRule, SH.JSFunction)
NODE_KINDS = {
    SH.IRI: (True, False, False), SH.BlankNode: (False, True, False),
    SH.Literal: (False, False, True), SH.BlankNodeOrIRI: (True, True, False),
    SH.BlankNodeOrLiteral: (False, True, True), SH.IRIOrLiteral: (True, False, True),
}
_XSD_STRING = str(XSD.string)
_RDF_TYPE, _SUBCLASS = ox.NamedNode(str(RDF.type)), ox.NamedNode(str(RDFS.subClassOf))
_DATA_CHECK = re.compile(r'"\^\^<http://www\.w3\.org/2001/XMLSchema#string>')
_LANG_TAG = re.compile(r'"@([A-Za-z0-9-]+)')
_LANG_CALL = re.compile(r"\bLANG\s*\(", re.I)


# --- terms ----------------------------------------------------------------------------------


def to_ox(term: Node) -> Any:
    """The Oxigraph term of an rdflib term of the shapes graph."""
    try:
        return ox_term(term)
    except TypeError as exc:
        raise UnsupportedShapes(str(exc)) from None


def to_rdflib(term: Any, spellings: dict[str, str] | None = None) -> Node:
    """The rdflib term of an Oxigraph term, as rdflib's N-Triples parser would make it.
    ``spellings`` gives a language tag back its case as the data wrote it (Oxigraph's is lower
    case): see :func:`tag_spellings`."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        lang = spellings.get(term.language, term.language) if spellings else term.language
        return Literal(term.value, lang=lang)
    if term.datatype.value == _XSD_STRING:
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def tag_spellings(tags: Iterable[str]) -> dict[str, str]:
    """The language tags (``_LANG_TAG`` over N-Triples) that have capitals (``ja-Kana``), by
    their lower case (Oxigraph's ``ja-kana``). Raises UnsupportedData for a tag spelt in two
    cases. A quote escaped in a lexical form may add a tag the data does not use: that can only
    refuse data, never change a term."""
    found: dict[str, set[str]] = {}
    for tag in set(tags):
        found.setdefault(tag.lower(), set()).add(tag)
    clashes = sorted(sorted(tags) for tags in found.values() if len(tags) > 1)
    if clashes:
        raise UnsupportedData(f"language tags spelt in two cases: {clashes}")
    return {low: tag for low, (tag,) in found.items() if tag != low}


class Index:
    """The triples of one data graph that the shapes read, both ways: ``out[s][p]`` for the
    predicates in ``forward`` and ``inv[o][p]`` for those in ``backward`` (sets)."""

    def __init__(self, forward: frozenset[Any], backward: frozenset[Any]):
        self.forward, self.backward = forward, backward
        self.out: dict[Any, dict[Any, set[Any]]] = {}
        self.inv: dict[Any, dict[Any, set[Any]]] = {}

    def add(self, quads: Iterable[Any]) -> None:
        out, inv, forward, backward = self.out, self.inv, self.forward, self.backward
        for s, p, o, _ in quads:
            if p in forward:
                bys = out.get(s)
                if bys is None:
                    out[s] = {p: {o}}
                elif p in bys:
                    bys[p].add(o)
                else:
                    bys[p] = {o}
            if p in backward:
                byo = inv.get(o)
                if byo is None:
                    inv[o] = {p: {s}}
                elif p in byo:
                    byo[p].add(s)
                else:
                    byo[p] = {s}

    def objects(self, s: Any, p: Any) -> set[Any]:
        return self.out.get(s, {}).get(p, set())

    def subjects(self, p: Any, o: Any) -> set[Any]:
        return self.inv.get(o, {}).get(p, set())


# --- the compiled shapes --------------------------------------------------------------------


@dataclass
class SparqlQuery:
    """A SPARQL target or constraint: its text with prefixes, as pySHACL would run it."""

    node: Node
    text: str
    binds_this: bool
    messages: list[Literal]
    deactivated: bool = False


@dataclass(eq=False)
class Shape:
    node: Node
    path: tuple[str, Any] | None  # ("p", predicate) or ("^", predicate), Oxigraph terms
    path_node: Node | None  # sh:path's value in the shapes graph (a blank node for ^p)
    severity: Node
    messages: list[Literal]
    deactivated: bool
    constraints: list[Callable[..., tuple[bool, list[Report]]]] = field(default_factory=list)
    target_classes: list[Any] = field(default_factory=list)
    target_nodes: list[Any] = field(default_factory=list)
    target_subjects_of: list[Any] = field(default_factory=list)
    target_objects_of: list[Any] = field(default_factory=list)
    sparql_targets: list[SparqlQuery] = field(default_factory=list)

    @property
    def targeted(self) -> bool:
        return bool(self.target_classes or self.target_nodes or self.target_subjects_of
                    or self.target_objects_of or self.sparql_targets)


@dataclass(eq=False)
class Report:
    """One validation result before it becomes triples (see pySHACL's ``make_v_result``)."""

    shape: Shape
    component: URIRef
    focus: Any  # Oxigraph term
    value: Any = None  # Oxigraph term
    path: Node | None = None  # a path a SPARQL result bound, else the shape's
    source_constraint: Node | None = None
    messages: list[Literal] = field(default_factory=list)
    details: list[Report] = field(default_factory=list)
    generic: Callable[[], str] | None = None  # the message when the shape has none, made late


@dataclass
class EngineReport:
    conforms: bool
    graph: Graph  # the sh:ValidationReport


def _one(values: list[Node], what: str) -> Node:
    if len(values) != 1:
        raise UnsupportedShapes(f"{what} must have exactly one value, found {len(values)}")
    return values[0]


class Engine:
    """The shapes graph compiled; :meth:`validate` validates one plan against it.

    ``vocabulary`` (the ontology and concept schemes, as validate.py mixes them into the data)
    is loaded once. Raises :class:`UnsupportedShapes` for a shapes graph it cannot run exactly.
    """

    def __init__(self, shapes: Graph, vocabulary: Graph):
        self.sg = shapes
        vocab_nt = vocabulary.serialize(format="nt", encoding="utf-8")
        self.vocab_quads = list(ox.parse(vocab_nt, ox.RdfFormat.N_TRIPLES))
        self.vocab_tags = frozenset(_LANG_TAG.findall(vocab_nt.decode("utf-8")))
        self._check_graph()
        self.reads_lang = False  # a SPARQL text calls LANG(): Oxigraph's tags are lower case
        self.shapes: dict[Node, Shape] = {}
        roots = {s for t in TARGETS for s in shapes.subjects(t, None)}
        for node in sorted(roots, key=str):
            self._shape(node, ())
        self.roots = [self.shapes[n] for n in sorted(roots, key=str)]
        forward, backward = {_RDF_TYPE, _SUBCLASS}, {_RDF_TYPE, _SUBCLASS}
        for shape in self.shapes.values():
            if shape.path is not None:
                (forward if shape.path[0] == "p" else backward).add(shape.path[1])
            forward.update(shape.target_subjects_of)
            backward.update(shape.target_objects_of)
        self.forward, self.backward = frozenset(forward), frozenset(backward)

    # --- compiling ----------------------------------------------------------------------

    def _check_graph(self) -> None:
        sg = self.sg
        for p in UNSUPPORTED_SUBJECTS_OF:
            if (None, p, None) in sg:
                raise UnsupportedShapes(f"the shapes graph uses {p}, which this engine does not run")
        for t in UNSUPPORTED_TYPES:
            if (None, RDF.type, t) in sg:
                raise UnsupportedShapes(f"the shapes graph declares a {t}")
        classes = {RDFS.Class, OWL.Class, *sg.subjects(RDFS.subClassOf, RDFS.Class)}
        shape_types = (SH.NodeShape, SH.PropertyShape, SH.Shape)
        for t in shape_types:
            for s in sg.subjects(RDF.type, t):
                if any(c in classes for c in sg.objects(s, RDF.type)):
                    raise UnsupportedShapes(f"{s} is a class and a shape (implicit class target)")

    def _shape(self, node: Node, stack: tuple[Node, ...]) -> Shape:
        if node in stack:
            raise UnsupportedShapes(f"shape {node} refers to itself")
        if node in self.shapes:
            return self.shapes[node]
        sg = self.sg
        for p in set(sg.predicates(node, None)):
            if str(p).startswith(str(SH)) and p not in SHAPE_PARAMETERS:
                raise UnsupportedShapes(f"shape {node} uses {p}, which this engine does not run")
        path_node = sg.value(node, SH.path)
        path = None
        if path_node is not None:
            if isinstance(path_node, URIRef):
                path = ("p", to_ox(path_node))
            else:
                inverse = sg.value(path_node, SH.inversePath)
                if not isinstance(inverse, URIRef) or len(set(sg.predicate_objects(path_node))) != 1:
                    raise UnsupportedShapes(f"shape {node}: only IRI and sh:inversePath paths are supported")
                path = ("^", to_ox(inverse))
        deactivated = sg.value(node, SH.deactivated)
        shape = Shape(node, path, path_node, sg.value(node, SH.severity) or SH.Violation,
                      list(sg.objects(node, SH.message)),
                      bool(isinstance(deactivated, Literal) and deactivated.value is True))
        self.shapes[node] = shape
        inner = (*stack, node)
        shape.target_classes = [to_ox(c) for c in sg.objects(node, SH.targetClass)]
        shape.target_nodes = [to_ox(c) for c in sg.objects(node, SH.targetNode)]
        shape.target_subjects_of = [to_ox(c) for c in sg.objects(node, SH.targetSubjectsOf)]
        shape.target_objects_of = [to_ox(c) for c in sg.objects(node, SH.targetObjectsOf)]
        for target in sg.objects(node, SH.target):
            selects = list(sg.objects(target, SH.select))
            if not selects and (target, RDF.type, SH.SPARQLTarget) not in sg:
                raise UnsupportedShapes(f"shape {node}: only SPARQL targets are supported (sh:target)")
            shape.sparql_targets.append(self._query(target, str(_one(selects, "sh:select")), None))
        self._constraints(shape, inner)
        return shape

    def _constraints(self, shape: Shape, stack: tuple[Node, ...]) -> None:
        sg, node, add = self.sg, shape.node, shape.constraints.append
        if (classes := list(sg.objects(node, SH["class"]))):
            add(self._c_class(classes))
        if (datatypes := list(sg.objects(node, SH.datatype))):
            add(self._c_datatype(_one(datatypes, "sh:datatype")))
        if (kinds := list(sg.objects(node, SH.nodeKind))):
            kind = _one(kinds, "sh:nodeKind")
            if kind not in NODE_KINDS:
                raise UnsupportedShapes(f"unknown sh:nodeKind {kind}")
            add(self._c_node_kind(kind))
        for param, component in ((SH.minCount, SH.MinCountConstraintComponent),
                                 (SH.maxCount, SH.MaxCountConstraintComponent)):
            if (counts := list(sg.objects(node, param))):
                if shape.path is None:
                    raise UnsupportedShapes(f"{param} on node shape {node}")
                add(self._c_count(param, int(_one(counts, str(param)).toPython()), component))
        for param, component, sign in ((SH.minInclusive, SH.MinInclusiveConstraintComponent, ">="),
                                       (SH.maxInclusive, SH.MaxInclusiveConstraintComponent, "<=")):
            if (bounds := list(sg.objects(node, param))):
                add(self._c_range(bounds, component, sign))
        if (patterns := list(sg.objects(node, SH.pattern))):
            add(self._c_pattern(patterns, sg.value(node, SH.flags)))
        if (langs := list(sg.objects(node, SH.languageIn))):
            add(self._c_language_in(_one(langs, "sh:languageIn")))
        if (unique := list(sg.objects(node, SH.uniqueLang))):
            if _one(unique, "sh:uniqueLang").toPython() is True:
                add(self._c_unique_lang())
        if (values := list(sg.objects(node, SH.hasValue))):
            add(self._c_has_value(values))
        if (lists := list(sg.objects(node, SH["in"]))):
            add(self._c_in(_one(lists, "sh:in")))
        if (props := list(sg.objects(node, SH.property))):
            subs = [self._shape(p, stack) for p in props]
            if any(s.path is None for s in subs):
                raise UnsupportedShapes(f"{node}: sh:property must point to property shapes")
            add(self._c_property(subs))
        if (nodes := list(sg.objects(node, SH.node))):
            subs = [self._shape(n, stack) for n in nodes]
            if any(s.path is not None for s in subs):
                raise UnsupportedShapes(f"{node}: sh:node must point to node shapes")
            add(self._c_node(nodes, subs))
        for lst in sg.objects(node, SH["or"]):
            members = list(sg.items(lst))
            if not members:
                raise UnsupportedShapes(f"{node}: sh:or needs a non-empty list")
            add(self._c_or(lst, [self._shape(m, stack) for m in set(members)]))
        for negated in sg.objects(node, SH["not"]):
            add(self._c_not(negated, self._shape(negated, stack)))
        if (qualified := list(sg.objects(node, SH.qualifiedValueShape))):
            if (node, SH.qualifiedValueShapesDisjoint, None) in sg:
                raise UnsupportedShapes("sh:qualifiedValueShapesDisjoint is not supported")
            low = sg.value(node, SH.qualifiedMinCount)
            high = sg.value(node, SH.qualifiedMaxCount)
            add(self._c_qualified([self._shape(q, stack) for q in qualified], qualified,
                                  None if low is None else int(low.toPython()),
                                  None if high is None else int(high.toPython())))
        elif (node, SH.qualifiedMinCount, None) in sg or (node, SH.qualifiedMaxCount, None) in sg:
            raise UnsupportedShapes(f"{node}: qualified counts without sh:qualifiedValueShape")
        if (sparqls := list(sg.objects(node, SH.sparql))):
            add(self._c_sparql(shape, [self._constraint_query(shape, s) for s in sparqls]))

    def _prefixes(self, node: Node) -> str:
        """The PREFIX lines pySHACL's SPARQLQueryHelper.collect_prefixes puts before a query."""
        sg = self.sg
        prefixes: dict[str, str] = {}
        onts = set(sg.subjects(RDF.type, OWL.Ontology))
        ng_declares = set(sg.objects(sg.identifier, SH.declare)) if sg.identifier else set()
        global_declares = ng_declares | {d for o in onts for d in sg.objects(o, SH.declare)}
        for value in sg.objects(node, SH.prefixes):
            own = set(sg.objects(value, SH.declare))
            declares = own | ng_declares if own and value in onts else global_declares | own
            for dec in declares:
                prefix = _one(list(sg.objects(dec, SH.prefix)), "sh:prefix")
                namespace = _one(list(sg.objects(dec, SH.namespace)), "sh:namespace")
                if not isinstance(prefix, Literal) or not isinstance(namespace, Literal):
                    raise UnsupportedShapes(f"ill-formed sh:declare {dec}")
                prefixes[str(prefix.value)] = str(namespace.value)
        return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes.items())

    def _query(self, node: Node, select: str, shape: Shape | None) -> SparqlQuery:
        text = select
        if shape is not None:
            helper = SPARQLQueryHelper
            if helper.bind_cs_regex.search(text) or helper.bind_sg_regex.search(text):
                raise UnsupportedShapes(f"{shape.node}: only $this and $PATH may be pre-bound")
            if helper.bind_path_regex.search(text):
                if shape.path is None:
                    raise UnsupportedShapes(f"{shape.node}: $PATH without sh:path")
                kind, pred = shape.path
                sparql_path = ("^" if kind == "^" else "") + f"<{pred.value}>"
                text = helper.bind_path_regex.sub(r"\g<1>" + sparql_path.replace("\\", "\\\\"), text)
            try:  # pySHACL refuses MINUS, VALUES, SERVICE, … here: let it say so
                helper.check_invalid_sparql(helper, text)  # type: ignore[arg-type]
            except ValidationFailure as exc:
                raise UnsupportedShapes(f"{shape.node}: {exc}") from exc
        full = f"{self._prefixes(node)}\n{text}"
        self.reads_lang = self.reads_lang or bool(_LANG_CALL.search(text))
        try:
            ox.Store().query(full)
        except SyntaxError as exc:
            raise UnsupportedShapes(f"Oxigraph cannot parse the query of {node}: {exc}") from exc
        binds_this = bool(shape is not None and SPARQLQueryHelper.bind_this_regex.search(text))
        return SparqlQuery(node, full, binds_this, [])

    def _constraint_query(self, shape: Shape, node: Node) -> SparqlQuery:
        sg = self.sg
        select = _one(list(sg.objects(node, SH.select)), "sh:select")
        if set(sg.predicates(node, None)) - {SH.select, SH.prefixes, SH.message, SH.deactivated,
                                             RDF.type}:
            raise UnsupportedShapes(f"{shape.node}: unsupported parameters of sh:sparql")
        query = self._query(node, str(select), shape)
        query.messages = list(sg.objects(node, SH.message))
        deactivated = sg.value(node, SH.deactivated)
        query.deactivated = bool(isinstance(deactivated, Literal) and deactivated.value is True)
        if not query.messages and not shape.messages:
            raise UnsupportedShapes(f"{shape.node}: a SPARQL constraint needs a sh:message")
        return query

    # --- constraint components (SHACL 1.0 section 4, SHACL-SPARQL section 5) -----------------
    # Each returns a function (run, shape, focus_values) -> (conforms, reports), where
    # focus_values maps each focus node to its value nodes, as pySHACL's evaluate() does.

    def _c_class(self, classes: list[Node]) -> Callable:
        wanted = [to_ox(c) for c in classes]
        component = SH.ClassConstraintComponent

        def check(run: _Run, shape: Shape, fv: dict) -> tuple[bool, list[Report]]:
            reports = []
            for cls in wanted:
                for f, values in fv.items():
                    for v in values:
                        if isinstance(v, ox.Literal) or not run.is_instance(v, cls):
                            reports.append(run.report(shape, component, f, v, generic=lambda c=cls:
                                f"Value does not have class {self._str(c)}" if len(wanted) < 2 else
                                "Value class is not in classes ({})".format(
                                    ", ".join(self._str(w) for w in wanted))))
            return not reports, reports
        return check

    def _c_datatype(self, datatype: Node) -> Callable:
        from pyshacl.constraints.core.value_constraints import DatatypeConstraintComponent
        assert_type = DatatypeConstraintComponent._assert_actual_datatype
        component = SH.DatatypeConstraintComponent
        message = f"Value is not Literal with datatype {stringify_node(self.sg, datatype)}"

        def matches(v: Literal) -> bool:
            if v.datatype == datatype:
                return False if getattr(v, "ill_typed", None) is True else assert_type(None, v, datatype)
            if datatype == RDFS.Literal:
                return True
            if datatype == RDFS.Datatype and v.datatype:
                return True
            if v.datatype is None and v.language is None and datatype == XSD.string:
                return assert_type(None, v, datatype)
            if datatype == RDF.langString and v.language:
                return assert_type(None, v, datatype)
            return False

        def check(run: _Run, shape: Shape, fv: dict) -> tuple[bool, list[Report]]:
            reports = []
            for f, values in fv.items():
                for v in values:
                    if not (isinstance(v, ox.Literal) and run.cached(matches, v)):
                        reports.append(run.report(shape, component, f, v, generic=lambda: message))
            return not reports, reports
        return check

    def _c_node_kind(self, kind: Node) -> Callable:
        iri, blank, literal = NODE_KINDS[kind]
        component = SH.NodeKindConstraintComponent
        message = f"Value is not of Node Kind {stringify_node(self.sg, kind)}"

        def check(run: _Run, shape: Shape, fv: dict) -> tuple[bool, list[Report]]:
            reports = []
            for f, values in fv.items():
                for v in values:
                    ok = (literal if isinstance(v, ox.Literal) else
                          blank if isinstance(v, ox.BlankNode) else iri)
                    if not ok:
                        reports.append(run.report(shape, component, f, v, generic=lambda: message))
            return not reports, reports
        return check

    def _c_count(self, param: URIRef, limit: int, component: URIRef) -> Callable:
        at_least = param == SH.minCount
        word = "Less" if at_least else "More"

        def check(run: _Run, shape: Shape, fv: dict) -> tuple[bool, list[Report]]:
            reports = []
            for f, values in fv.items():
                if (len(values) < limit) if at_least else (len(values) > limit):
                    reports.append(run.report(shape, component, f, None, generic=lambda f=f:
                        f"{word} than {limit} values on {run.str(f)}->{self._str(shape.path_node)}"))
            return not reports, reports
        return check

    def _c_range(self, bounds: list[Node], component: URIRef, sign: str) -> Callable:
        at_least = sign == ">="
        for b in bounds:
            if not isinstance(b, Literal):
                raise UnsupportedShapes(f"range bound {b} is not a literal")
        if len(bounds) < 2:
            message = f"Value is not {sign} {stringify_node(self.sg, bounds[0])}"
        else:
            message = "Value is not {} in ({})".format(
                sign, ", ".join(stringify_node(self.sg, b) for b in bounds))

        def within(v: Literal, bound: Literal) -> bool:
            if isinstance(bound.value, str) != isinstance(v.value, str):
                return False
            try:
                cmp = compare_literal(v, bound)
            except (TypeError, NotImplementedError):
                return False
            return cmp >= 0 if at_least else cmp <= 0

        def check(run: _Run, shape: Shape, fv: dict) -> tuple[bool, list[Report]]:
            reports = []
            for bound in bounds:
                for f, values in fv.items():
                    for v in values:
                        if not (isinstance(v, ox.Literal)
                                and run.cached(within, v, bound)):
                            reports.append(run.report(shape, component, f, v, generic=lambda: message))
            return not reports, reports
        return check

    def _c_pattern(self, patterns: list[Node], flags: Node | None) -> Callable:
        re_flags = 0
        if flags is not None:
            text = str(flags.value if isinstance(flags, Literal) else flags).lower()
            re_flags |= re.I if "i" in text else 0
            re_flags |= re.M if "m" in text else 0
            if set(text) - {"i", "m"}:
                raise UnsupportedShapes(f"sh:flags {text!r}: pySHACL reads only i and m")
        compiled = [re.compile(str(p.value if isinstance(p, Literal) else p), re_flags) for p in patterns]
        component = SH.PatternConstraintComponent
        if len(patterns) < 2:
            message = f"Value does not match pattern '{str(patterns[0].value)}'"
        else:
            message = "Value does not match every pattern in ('{}')".format(
                "', '".join(str(p.value) for p in patterns))

        def check(run: _Run, shape: Shape, fv: dict) -> tuple[bool, list[Report]]:
            reports = []
            for matcher in compiled:
                for f, values in fv.items():
                    for v in values:
                        if isinstance(v, ox.BlankNode) or not matcher.search(v.value):
                            reports.append(run.report(shape, component, f, v, generic=lambda: message))
            return not reports, reports
        return check

    def _c_language_in(self, lst: Node) -> Callable:
        langs = set()
        for item in self.sg.items(lst):
            if not isinstance(item, Literal) or not isinstance(item.value, str):
                raise UnsupportedShapes("sh:languageIn needs string literals")
            langs.add(str(item.value).lower())
        component = SH.LanguageInConstraintComponent
        message = f"String language is not in {stringify_node(self.sg, lst)}"

        def ok(v: Any) -> bool:
            if not isinstance(v, ox.Literal) or not v.language:
                return False
            lang = v.language.lower()
            return "*" in langs or lang in langs or lang.split("-")[0] in langs

        def check(run: _Run, shape: Shape, fv: dict) -> tuple[bool, list[Report]]:
            reports = [run.report(shape, component, f, v, generic=lambda: message)
                       for f, values in fv.items() for v in values if not ok(v)]
            return not reports, reports
        return check

    def _c_unique_lang(self) -> Callable:
        component = SH.UniqueLangConstraintComponent

        def check(run: _Run, shape: Shape, fv: dict) -> tuple[bool, list[Report]]:
            reports = []
            for f, values in fv.items():
                seen, duplicates = set(), set()
                for v in values:
                    if isinstance(v, ox.Literal) and v.language:
                        lang = v.language.lower()
                        (duplicates if lang in seen else seen).add(lang)
                for _ in duplicates:
                    reports.append(run.report(shape, component, f, None, generic=lambda:
                                              "More than one String shares the same Language"))
            return not reports, reports
        return check

    def _c_has_value(self, wanted: list[Node]) -> Callable:
        component = SH.HasValueConstraintComponent
        listed = [self._str(h) for h in wanted]

        def check(run: _Run, shape: Shape, fv: dict) -> tuple[bool, list[Report]]:
            reports = []
            for hv in wanted:
                target = to_ox(hv)
                for f, values in fv.items():
                    if target not in values:
                        reports.append(run.report(shape, component, f, None, generic=lambda f=f:
                            f"Node {run.str(f)}->{self._str(shape.path_node)} does not contain a value in the set: {listed}"
                            if shape.path_node is not None else
                            f"Node {run.str(f)} value is not a in the set of values: {listed}"))
            return not reports, reports
        return check

    def _c_in(self, lst: Node) -> Callable:
        """sh:in, https://www.w3.org/TR/shacl/#InConstraintComponent: each value node is a
        member of the list (RDF term equality, as pySHACL compares rdflib terms)."""
        members: set[Node] = set()  # filled in list order, as pySHACL does, for its message
        for item in self.sg.items(lst):
            if not isinstance(item, (URIRef, Literal, BNode)):
                raise UnsupportedShapes(f"sh:in member {item!r} is not an RDF term")
            members.add(item)
        listed = [self._str(m) for m in members]
        component = SH.InConstraintComponent

        def check(run: _Run, shape: Shape, fv: dict) -> tuple[bool, list[Report]]:
            reports = [run.report(shape, component, f, v, generic=lambda v=v:
                                  f"Value {run.str(v)} not in list {listed}")
                       for f, values in fv.items() for v in values if run.term(v) not in members]
            return not reports, reports
        return check

    def _c_property(self, subs: list[Shape]) -> Callable:
        def check(run: _Run, shape: Shape, fv: dict) -> tuple[bool, list[Report]]:
            conforms, reports = True, []
            for sub in subs:
                for values in fv.values():
                    for v in values:
                        ok, r = run.validate(sub, v)
                        conforms = conforms and ok
                        reports.extend(r)
            return conforms, reports
        return check

    def _c_node(self, nodes: list[Node], subs: list[Shape]) -> Callable:
        component = SH.NodeConstraintComponent
        if len(nodes) < 2:
            message = f"Value does not conform to Shape {self._str(nodes[0])}."
        else:
            message = "Value must conform to every Shape in ('{}').".format(
                "', '".join(self._str(n) for n in nodes))
        message += " See details for more information."

        def check(run: _Run, shape: Shape, fv: dict) -> tuple[bool, list[Report]]:
            reports = []
            for sub in subs:
                for f, values in fv.items():
                    for v in values:
                        ok, r = run.validate(sub, v)
                        if not ok or r:
                            report = run.report(shape, component, f, v, generic=lambda: message)
                            report.details = r
                            reports.append(report)
            return not reports, reports
        return check

    def _c_or(self, lst: Node, subs: list[Shape]) -> Callable:
        component = SH.OrConstraintComponent
        listed = " , ".join(self._str(m) for m in self.sg.items(lst))

        def check(run: _Run, shape: Shape, fv: dict) -> tuple[bool, list[Report]]:
            reports = []
            for f, values in fv.items():
                for v in values:
                    if not any(run.validate(sub, v)[0] for sub in subs):
                        reports.append(run.report(shape, component, f, v, generic=lambda v=v:
                            f"Node {run.str(v)} must conform to one or more shapes in {listed}"))
            return not reports, reports
        return check

    def _c_not(self, negated: Node, sub: Shape) -> Callable:
        component = SH.NotConstraintComponent

        def check(run: _Run, shape: Shape, fv: dict) -> tuple[bool, list[Report]]:
            reports = []
            for f, values in fv.items():
                for v in values:
                    if run.validate(sub, v)[0]:
                        reports.append(run.report(shape, component, f, v, generic=lambda v=v:
                            f"Node {run.str(v)} must not conform to shape {self._str(negated)}"))
            return not reports, reports
        return check

    def _c_qualified(self, subs: list[Shape], nodes: list[Node], low: int | None,
                     high: int | None) -> Callable:
        names = ",".join(self._str(n) for n in nodes)
        counts = (f" MinCount {low}" if low is not None else "") + \
                 (f" MaxCount {high}" if high is not None else "")
        plural = "s" if len(nodes) > 1 else ""
        message = (f"Focus node does not conform to shape{plural}{counts}: "
                   + (f"({names})" if plural else names))

        def check(run: _Run, shape: Shape, fv: dict) -> tuple[bool, list[Report]]:
            reports = []
            for sub in subs:
                for f, values in fv.items():
                    n = sum(1 for v in values if run.validate(sub, v)[0])
                    if high is not None and n > high:
                        reports.append(run.report(shape, SH.QualifiedMaxCountConstraintComponent, f,
                                                  None, generic=lambda: message))
                    if low is not None and n < low:
                        reports.append(run.report(shape, SH.QualifiedMinCountConstraintComponent, f,
                                                  None, generic=lambda: message))
            return not reports, reports
        return check

    def _c_sparql(self, shape: Shape, queries: list[SparqlQuery]) -> Callable:
        component = SH.SPARQLConstraintComponent
        fmt = ConstraintComponent._format_sparql_based_result_message

        def check(run: _Run, shape: Shape, fv: dict) -> tuple[bool, list[Report]]:
            reports = []
            for query in queries:
                if query.deactivated:
                    continue
                for f in fv:
                    subs = {ox.Variable("this"): f} if query.binds_this else None
                    result_val = f if shape.path is None else None
                    solutions = run.store.query(query.text, substitutions=subs)
                    for row in _distinct_rows(solutions, run.original, run.term):
                        if row is True:
                            focus, value, path, bound = f, result_val, None, None
                        else:
                            t, p, v, extra = row
                            focus, value, path = t or f, (v if v is not None else result_val), p
                            bound = (run.term(t) if t is not None else None,
                                     run.term(p) if p is not None else None,
                                     run.term(value) if value is not None else None, extra)
                        messages = []
                        own = list(shape.messages)
                        for m in query.messages:
                            if m not in own:
                                messages.append(Literal(fmt(None, str(m.value), bound))
                                                if bound is not None else m)
                        messages += [Literal(fmt(None, str(m.value), bound)) if bound is not None
                                     else m for m in own]
                        report = Report(shape, component, focus, value,
                                        run.term(path) if path is not None else None,
                                        query.node, messages)
                        reports.append(report)
            return not reports, reports
        return check

    # --- helpers --------------------------------------------------------------------------

    def _str(self, node: Node | None) -> str:
        return stringify_node(self.sg, node)

    def validate(self, data: Graph | str) -> EngineReport:
        """Validate a plan (an rdflib Graph, or N-Triples written by rdflib) with the
        vocabularies mixed in. Raises :class:`UnsupportedData` (see the module docstring)."""
        nt = data if isinstance(data, str) else data.serialize(format="nt", encoding="utf-8").decode()
        if _DATA_CHECK.search(nt):
            raise UnsupportedData("explicit xsd:string literals")
        spellings = tag_spellings([*_LANG_TAG.findall(nt), *self.vocab_tags])
        if spellings and self.reads_lang:
            raise UnsupportedData("capitals in language tags, and a SPARQL text reads LANG()")
        quads = list(ox.parse(nt.encode("utf-8"), ox.RdfFormat.N_TRIPLES))
        return _Run(self, quads, spellings).run()


def _distinct_rows(solutions: Any, original: Callable[[Any], Any],
                   term: Callable[[Any], Node]) -> list[Any]:
    """The violations of a SPARQL constraint's solutions, deduplicated like pySHACL's
    ``_validate_sparql_query``: True for a ?failure, else (this, path, value, other bindings)."""
    names = [v.value for v in solutions.variables]
    rows: list[Any] = []
    for solution in solutions:
        bound = {n: original(solution[n]) for n in names if solution[n] is not None}
        if bound.pop("failure", None) is not None:
            if True not in rows:
                rows.append(True)
            continue
        p, v, t = bound.pop("path", None), bound.pop("value", None), bound.pop("this", None)
        if p is None and v is None and t is None:
            continue
        row = (t, p, v, {k: term(x) for k, x in bound.items()})
        if row not in rows:
            rows.append(row)
    return rows


class _Run:
    """One validation: the data indexed, the store loaded, caches for this data only."""

    def __init__(self, engine: Engine, quads: list[Any], spellings: dict[str, str]):
        self.engine = engine
        self.quads = quads
        self.spellings = spellings
        self.index = Index(engine.forward, engine.backward)
        self.index.add(quads)
        self.index.add(engine.vocab_quads)
        self.store = ox.Store()
        self.store.bulk_extend(engine.vocab_quads)
        self.store.bulk_extend(quads)
        self.data_ns = Graph()  # pySHACL's data graph is a fresh Graph: the same prefixes
        self._literals: dict[Any, Literal] = {}
        self._memo: dict[tuple[int, Any], tuple[bool, list[Report]]] = {}
        self._supers: dict[Any, set[Any]] = {}
        self._cache: dict[tuple, bool] = {}
        self._literal_terms: set[Any] | None = None

    # data access
    def values(self, shape: Shape, f: Any) -> set[Any]:
        if shape.path is None:
            return {f}
        kind, p = shape.path
        return self.index.objects(f, p) if kind == "p" else self.index.subjects(p, f)

    def term(self, node: Any) -> Node:
        """The rdflib term of an Oxigraph term, its language tag spelt as in the data."""
        return to_rdflib(node, self.spellings)

    def literal(self, v: Any) -> Literal:
        lit = self._literals.get(v)
        if lit is None:
            lit = self._literals[v] = self.term(v)  # type: ignore[assignment]
        return lit

    def cached(self, fn: Callable[..., bool], v: Any, *args: Any) -> bool:
        key = (fn, v, *args)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = fn(self.literal(v), *args)
        return hit

    def superclasses(self, cls: Any) -> set[Any]:
        """cls and everything it is an rdfs:subClassOf, transitively (rdflib's
        ``transitive_objects``)."""
        found = self._supers.get(cls)
        if found is None:
            found, todo = {cls}, [cls]
            while todo:
                for sup in self.index.objects(todo.pop(), _SUBCLASS):
                    if sup not in found:
                        found.add(sup)
                        todo.append(sup)
            self._supers[cls] = found
        return found

    def subclasses(self, cls: Any) -> set[Any]:
        found, todo = {cls}, [cls]
        while todo:
            for sub in self.index.subjects(_SUBCLASS, todo.pop()):
                if sub not in found:
                    found.add(sub)
                    todo.append(sub)
        return found

    def is_instance(self, v: Any, cls: Any) -> bool:
        return any(cls in self.superclasses(t) for t in self.index.objects(v, _RDF_TYPE))

    def original(self, term: Any) -> Any:
        """The data's own term for a term a SPARQL query returned. Oxigraph's store keeps
        numbers and dates as values ("100.0"^^xsd:decimal comes back as "100"); rdflib keeps the
        lexical form. Raises UnsupportedData when two lexical forms of the data give it."""
        if not isinstance(term, ox.Literal):
            return term
        if self._literal_terms is None:
            self._literal_terms = {o for _, _, o, _ in (*self.quads, *self.engine.vocab_quads)
                                   if isinstance(o, ox.Literal)}
        if term in self._literal_terms:
            return term
        same = [c for c in self._literal_terms if c.datatype == term.datatype
                and next(iter(self.store.query("SELECT ?x (?x AS ?y) WHERE {}",
                                               substitutions={ox.Variable("x"): c})))["y"] == term]
        if len(same) != 1:
            raise UnsupportedData(f"cannot tell which lexical form of {term} a query meant")
        return same[0]

    def str(self, node: Any) -> str:
        term = self.term(node)
        if isinstance(term, BNode):
            return str(term)  # stringify_node would describe it from the data graph
        return stringify_node(self.data_ns, term)

    def report(self, shape: Shape, component: URIRef, focus: Any, value: Any,
               generic: Callable[[], str]) -> Report:
        return Report(shape, component, focus, value, None, None, list(shape.messages),
                      generic=None if shape.messages else generic)

    # validation
    def focus_nodes(self, shape: Shape) -> set[Any]:
        found = set(shape.target_nodes)
        for tc in shape.target_classes:
            for cls in self.subclasses(tc):
                found |= self.index.subjects(_RDF_TYPE, cls)
        for p in shape.target_subjects_of:
            found |= {s for s, by in self.index.out.items() if p in by}
        for p in shape.target_objects_of:
            found |= {o for o, by in self.index.inv.items() if p in by}
        for query in shape.sparql_targets:
            for solution in self.store.query(query.text):
                this = solution["this"]
                this = None if this is None else self.original(this)
                found.add(this)  # pySHACL adds None too when ?this is unbound
        return found

    def validate(self, shape: Shape, focus: Any) -> tuple[bool, list[Report]]:
        """pySHACL's ``Shape.validate`` of one focus node, memoised for this data."""
        key = (id(shape), focus)
        hit = self._memo.get(key)
        if hit is None:
            hit = self._memo[key] = self.validate_all(shape, [focus])
        return hit

    def validate_all(self, shape: Shape, focus: Iterable[Any]) -> tuple[bool, list[Report]]:
        if shape.deactivated:
            return True, []
        fv = {f: self.values(shape, f) for f in focus}
        allow_conform = shape.severity in ALLOWED
        conforms, reports = True, []
        for constraint in shape.constraints:
            ok, r = constraint(self, shape, fv)
            if not ok and not allow_conform:
                conforms = conforms and all(x.shape.severity in ALLOWED for x in r)
            reports.extend(r)
        return conforms, reports

    def run(self) -> EngineReport:
        conforms, reports = True, []
        for shape in self.engine.roots:
            if shape.deactivated:
                continue
            focus = self.focus_nodes(shape)
            if None in focus:
                raise UnsupportedData(f"a SPARQL target of {shape.node} leaves ?this unbound")
            if not focus:
                continue
            ok, r = self.validate_all(shape, focus)
            conforms = conforms and ok
            reports.extend(r)
        return EngineReport(conforms, self.report_graph(conforms, reports))

    # the report graph, as pySHACL's Validator.create_validation_report makes it
    def report_graph(self, conforms: bool, reports: list[Report]) -> Graph:
        sg = self.engine.sg
        vg = Graph(bind_namespaces="core")
        for prefix, ns in sg.namespace_manager.namespaces():
            vg.namespace_manager.bind(prefix, ns)
        root = BNode()
        vg.add((root, RDF.type, SH.ValidationReport))
        vg.add((root, SH.conforms, Literal(conforms)))
        for report in reports:
            vg.add((root, SH.result, self._emit(vg, report)))
        return vg

    def _from_shapes(self, vg: Graph, node: Node) -> Node:
        return clone_blank_node(self.engine.sg, node, vg, keepid=True) if isinstance(node, BNode) else node

    def _from_data(self, vg: Graph, node: Any, depth: int = 0) -> Node:
        term = self.term(node)
        if isinstance(term, BNode) and depth < 10:  # pySHACL's clone_blank_node, from the data
            for s, p, o, _ in (*self.quads, *self.engine.vocab_quads):
                if s == node:
                    vg.add((term, self.term(p), self._from_data(vg, o, depth + 1)))
        return term

    def _emit(self, vg: Graph, report: Report) -> BNode:
        shape = report.shape
        r = BNode()
        vg.add((r, RDF.type, SH.ValidationResult))
        vg.add((r, SH.sourceConstraintComponent, report.component))
        vg.add((r, SH.sourceShape, self._from_shapes(vg, shape.node)))
        vg.add((r, SH.resultSeverity, shape.severity))
        vg.add((r, SH.focusNode, self._from_data(vg, report.focus)))
        if report.value is not None:
            vg.add((r, SH.value, self._from_data(vg, report.value)))
        path = report.path if report.path is not None else shape.path_node
        if path is not None:
            vg.add((r, SH.resultPath, self._from_shapes(vg, path)))
        if report.source_constraint is not None:
            vg.add((r, SH.sourceConstraint, self._from_shapes(vg, report.source_constraint)))
        for m in report.messages or ([Literal(report.generic())] if report.generic else []):
            vg.add((r, SH.resultMessage, m))
        for detail in report.details:
            vg.add((r, SH.detail, self._emit(vg, detail)))
        return r
