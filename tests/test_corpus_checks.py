"""The corpus checks (duplicate IRIs, dangling links between plans) over compact per-plan
indexes give exactly the problems of the direct check over every plan's whole graph."""

from __future__ import annotations

import random

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from publisher.namespaces import MPLAN
from publisher.validate import CorpusProblem, corpus_checks

BASE = "https://example.org/id/"
PLANS = ["111111-a", "222222-b", "333333-c", "444444-d"]


def reference(graphs: dict[str, Graph], base: str) -> list[CorpusProblem]:
    """The direct check: every typed IRI of every plan in one table."""
    problems: list[CorpusProblem] = []
    owner: dict[URIRef, str] = {}
    subjects: set[URIRef] = set()
    for plan_id, g in graphs.items():
        for s in sorted({s for s, o in g.subject_objects(RDF.type) if isinstance(s, URIRef)}):
            subjects.add(s)
            if (s, RDF.type, MPLAN.Municipality) in g or "/unit/" in str(s):
                continue
            if s in owner and owner[s] != plan_id:
                problems.append(CorpusProblem("duplicate-iri", str(s), f"IRI が2つの計画で定義されています: {s}",
                                              f"the IRI {s} is defined by two plans", [owner[s], plan_id]))
            owner.setdefault(s, plan_id)
    for plan_id, g in graphs.items():
        for o in sorted(set(g.objects())):
            if isinstance(o, URIRef) and str(o).startswith(base + "plan/") and o not in subjects:
                problems.append(CorpusProblem("dangling-link", str(o), f"リンク先が存在しません: {o}",
                                              f"the link target {o} does not exist", [plan_id]))
    return problems


def _pool() -> list[URIRef]:
    iris = [URIRef(f"{BASE}plan/{p}") for p in [*PLANS, "999999-gone"]]
    iris += [URIRef(f"{BASE}plan/{p}/measure/m{i}") for p in [*PLANS, "999999-gone"] for i in range(3)]
    iris += [URIRef(f"{BASE}municipality/1{i}{tail}") for i in range(2) for tail in ("", "/unit/u")]
    return iris + [URIRef(f"{BASE}other/x{i}") for i in range(2)]


def _corpus(seed: int) -> dict[str, Graph]:
    """A few plans that define and link IRIs of their own, of each other, of cities and of
    plans that do not exist, at random."""
    rng = random.Random(seed)
    pool = _pool()
    graphs = {}
    for pid in rng.sample(PLANS, rng.randint(1, len(PLANS))):
        g = Graph()
        own = [i for i in pool if str(i).startswith(f"{BASE}plan/{pid}")]
        for s in own[: rng.randint(0, len(own))] + rng.sample(pool, rng.randint(0, 4)):
            kind = MPLAN.Municipality if "/municipality/" in s and rng.random() < 0.7 else SKOS.Concept
            g.add((s, RDF.type, kind))
        for o in rng.sample(pool, rng.randint(0, 6)):
            g.add((URIRef(f"{BASE}plan/{pid}"), SKOS.related, o))
        graphs[pid] = g
    return dict(sorted(graphs.items()))


@pytest.mark.parametrize("seed", range(300))
def test_index_checks_equal_the_direct_check(seed: int) -> None:
    graphs = _corpus(seed)
    assert corpus_checks(graphs, BASE) == reference(graphs, BASE)


def test_the_generated_cases_find_both_kinds_of_problem() -> None:
    """The random corpora above do exercise duplicates and dangling links (else the
    comparison would prove little)."""
    kinds = {p.kind for seed in range(300) for p in reference(_corpus(seed), BASE)}
    assert kinds == {"duplicate-iri", "dangling-link"}
