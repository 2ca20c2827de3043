"""Page data for link targets (SDG goals and targets, policy domains, pillars) and the
cross-city view. Every link keeps its provenance: declared by the plan, curated by an editor,
or suggested by the tagger (with its score)."""

from __future__ import annotations

import pyoxigraph as ox

from ...namespaces import DEF
from .reader import Reader, Ref, iri_values, number, sdg_notation, text_of

BASES = ("declared", "curated", "suggested")
BASIS_IRI = {b: f"{DEF}/link-basis/{b}" for b in BASES}
POLICY_DOMAIN = f"{DEF}/policy-domain"
SDG_GOALS = [f"http://metadata.un.org/sdg/{n}" for n in range(1, 18)]

_LINKS = """
    { ?item mplan:alignment ?a . ?a mplan:alignmentTarget ?target
      OPTIONAL { ?a mplan:basis ?basis } OPTIONAL { ?a mplan:score ?score }
      OPTIONAL { ?a prov:wasAttributedTo ?who } OPTIONAL { ?a mplan:evidence ?evidence } }
    UNION
    { ?item mplan:alignedWith ?target
      FILTER NOT EXISTS { ?item mplan:alignment/mplan:alignmentTarget ?target } }
    OPTIONAL { ?item mplan:inPlan ?inplan }
    BIND(COALESCE(?inplan, ?item) AS ?plan)
    ?plan mplan:municipality ?muni .
"""


def basis_key(iri: str | None) -> str:
    """``…/link-basis/curated`` → ``curated``; a bare ``mplan:alignedWith`` is ``asserted``."""
    return iri.rsplit("/", 1)[-1] if iri else "asserted"


def is_link_target(r: Reader, iri: str) -> bool:
    """SDG goals and targets, policy domains and pillars get the cross-city link page."""
    return bool(sdg_notation(iri)) or iri.startswith(POLICY_DOMAIN + "/") or \
        iri.startswith(f"{DEF}/pillar/")


def target_page(r: Reader, iri: str, bases: tuple[str, ...] = BASES) -> dict:
    """Everything linked to ``iri`` (for an SDG goal: also to its targets), across cities."""
    note = sdg_notation(iri)
    targets = [iri]
    narrower: list[Ref] = []
    broader = None
    if note and "." not in note:  # a goal: its targets, from the scheme or from the links
        rows = r.select("SELECT ?t { ?t skos:broader ?g }", g=iri)
        found = {x["t"].value for x in rows}
        rows = r.select("SELECT DISTINCT ?t { { ?a mplan:alignmentTarget ?t } UNION "
                        "{ ?i mplan:alignedWith ?t } FILTER(STRSTARTS(STR(?t), ?prefix)) }",
                        prefix=ox.Literal(iri + "."))
        found |= {x["t"].value for x in rows}
        targets += sorted(found, key=_sdg_key)
        refs = r.refs(sorted(found, key=_sdg_key))
        narrower = [refs[t] for t in sorted(found, key=_sdg_key)]
    elif note:
        broader = r.ref(iri.rsplit(".", 1)[0])
    else:
        rows = r.select("SELECT ?b { ?x skos:broader ?b }", x=iri)
        broader = r.ref(rows[0]["b"].value) if rows else None
    rows = r.select(f"""SELECT ?item ?target ?basis ?score ?who ?evidence ?plan ?muni {{
        VALUES ?target {{ {iri_values(targets)} }} {_LINKS} }}""")
    links = []
    names = set()
    for x in rows:
        b = basis_key(text_of(x, "basis"))
        if b not in bases and b != "asserted":
            continue
        names |= {x["item"].value, x["plan"].value, x["muni"].value, x["target"].value}
        if isinstance(x.get("who"), ox.NamedNode):
            names.add(x["who"].value)
        links.append(x)
    kinds = _kinds(r, {x["item"].value for x in links})
    refs = r.refs(names)
    out = []
    for x in links:
        who = text_of(x, "who")
        out.append({"item": refs[x["item"].value], "kind": kinds.get(x["item"].value),
                    "target": refs[x["target"].value], "plan": refs[x["plan"].value],
                    "municipality": refs[x["muni"].value], "basis": basis_key(text_of(x, "basis")),
                    "score": number(x.get("score")), "who": refs.get(who or "") or who,
                    "evidence": text_of(x, "evidence")})
    out.sort(key=lambda link: (link["municipality"].text("ja"), link["plan"].iri,
                               link["item"].iri, BASES.index(link["basis"])
                               if link["basis"] in BASES else -1))
    counts = {b: sum(1 for link in out if link["basis"] == b) for b in (*BASES, "asserted")}
    facts = r.select("SELECT ?def ?scheme { OPTIONAL { ?x skos:definition ?def } "
                     "OPTIONAL { ?x skos:inScheme ?scheme } }", x=iri)
    definition = {x["def"].language or "": x["def"].value for x in facts if x.get("def")}
    scheme = next((text_of(x, "scheme") for x in facts if x.get("scheme")), None)
    return {"ref": r.ref(iri), "notation": note, "links": out, "counts": counts,
            "bases": bases, "narrower": narrower, "broader": broader,
            "definition": definition, "scheme": r.ref(scheme) if scheme else None,
            "is_sdg": bool(note)}


def _sdg_key(iri: str) -> tuple:
    note = sdg_notation(iri) or ""
    goal, _, target = note.partition(".")
    return (int(goal) if goal.isdigit() else 99, (0, int(target)) if target.isdigit() else (1, target))


def _kinds(r: Reader, iris: set[str]) -> dict[str, Ref]:
    """What each linked item is: its shared level (elements) or its class (indicator, plan)."""
    if not iris:
        return {}
    rows = r.select(f"""SELECT ?x ?k {{ VALUES ?x {{ {iri_values(sorted(iris))} }}
        {{ ?x mplan:level ?k }} UNION {{ ?x a ?k FILTER(?k IN (mplan:Indicator, mplan:Plan)) }} }}""")
    refs = r.refs({x["k"].value for x in rows})
    return {x["x"].value: refs[x["k"].value] for x in rows}


def domains(r: Reader) -> list[Ref]:
    """The policy domains, in the scheme's order (mplan:order, else notation)."""
    rows = r.select("""SELECT ?c ?order ?n { ?c skos:inScheme ?scheme
        OPTIONAL { ?c mplan:order ?order } OPTIONAL { ?c skos:notation ?n } }""",
                    scheme=POLICY_DOMAIN)
    rows.sort(key=lambda x: (number(x.get("order")) or 0, text_of(x, "n") or "", x["c"].value))
    refs = r.refs([x["c"].value for x in rows])
    return [refs[x["c"].value] for x in rows]


def municipalities(r: Reader) -> list[Ref]:
    rows = r.select("""SELECT DISTINCT ?m ?code { ?p a mplan:Plan ; mplan:municipality ?m
                       OPTIONAL { ?m mplan:localGovernmentCode ?code } } ORDER BY ?code ?m""")
    refs = r.refs([x["m"].value for x in rows])
    return [refs[x["m"].value] for x in rows]


def compare_page(r: Reader, bases: tuple[str, ...] = BASES) -> dict:
    """Municipalities × SDG goals and municipalities × policy domains: counts of linked items,
    split by provenance."""
    rows = r.select(f"SELECT ?item ?target ?basis ?muni {{ {_LINKS} }}")
    sdg: dict[tuple[str, str], dict[str, set[str]]] = {}
    dom: dict[tuple[str, str], dict[str, set[str]]] = {}
    for x in rows:
        b = basis_key(text_of(x, "basis"))
        if b not in bases and b != "asserted":
            continue
        target, muni, item = x["target"].value, x["muni"].value, x["item"].value
        note = sdg_notation(target)
        if note:
            goal = "http://metadata.un.org/sdg/" + note.split(".")[0]
            sdg.setdefault((muni, goal), {}).setdefault(b, set()).add(item)
        elif target.startswith(POLICY_DOMAIN + "/"):
            dom.setdefault((muni, target), {}).setdefault(b, set()).add(item)

    def counts(cells: dict) -> dict[tuple[str, str], dict[str, int]]:
        return {k: {b: len(v) for b, v in by.items()} for k, by in cells.items()}

    goals = r.refs(SDG_GOALS)
    return {"municipalities": municipalities(r), "goals": [goals[g] for g in SDG_GOALS],
            "domains": domains(r), "sdg": counts(sdg), "domain": counts(dom), "bases": bases,
            "total": len(rows)}
