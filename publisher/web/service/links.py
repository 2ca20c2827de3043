"""Page data for link targets (SDG goals and targets, policy domains, pillars) and the
cross-city view. Every link keeps its provenance: declared by the plan, curated by an editor,
or suggested by the tagger (with its score)."""

from __future__ import annotations

import pyoxigraph as ox

from ...namespaces import DEF
from ...registry import registry
from .index import ViewsIndex
from .reader import Reader, Ref, iri_values, number, page_count, sdg_notation, term, text_of

BASES = ("declared", "curated", "suggested")
LINKS_PAGE_SIZE = 200  # links per page of a link target (an SDG goal, a policy domain)
BASIS_IRI = {b: f"{DEF}/link-basis/{b}" for b in BASES}
POLICY_DOMAIN = f"{DEF}/policy-domain"
SDG_GOALS = [f"http://metadata.un.org/sdg/{n}" for n in range(1, 18)]
# What may follow "goal." in a target's notation (see reader._SDG_TARGET): 1–99, a–z.
TARGET_SUFFIXES = [str(n) for n in range(1, 100)] + [chr(c) for c in range(ord("a"), ord("z") + 1)]

# A link is a qualified alignment, or a bare mplan:alignedWith that no alignment qualifies.
# The two are separate queries, each with its bound values inside: Oxigraph does not push a
# value bound outside a UNION into its branches, and reads every link in the store instead.
_QUALIFIED = """
    ?item mplan:alignment ?a . ?a mplan:alignmentTarget ?target OPTIONAL { ?a mplan:basis ?basis }"""
_DETAILS = """
    OPTIONAL { ?a mplan:score ?score }
    OPTIONAL { ?a prov:wasAttributedTo ?who } OPTIONAL { ?a mplan:evidence ?evidence }"""
_BARE = """
    ?item mplan:alignedWith ?target"""
# Over every link, MINUS (one anti-join; both variables are always bound, so it means what
# FILTER NOT EXISTS means, which Oxigraph evaluates as one probe per row, half a minute at
# national scale).
_UNQUALIFIED = """
    MINUS { ?item mplan:alignment/mplan:alignmentTarget ?target }"""
_WHERE = """
    OPTIONAL { ?item mplan:inPlan ?inplan }
    BIND(COALESCE(?inplan, ?item) AS ?plan)
    ?plan mplan:municipality ?muni ."""


def _links(r: Reader, select: str, values: str = "", details: bool = True) -> list:
    """The rows of every link (both kinds), with ``values`` (a VALUES block) in each query;
    with ``details``, a qualified link's score, attribution and evidence too.

    With ``values``, the qualified pairs are taken out of the bare links here rather than by
    MINUS: its right side would be evaluated over the whole store, and a VALUES block inside
    it is not honoured by Virtuoso."""
    qualified = r.select(f"SELECT {select} {{ {values} {_QUALIFIED}{_DETAILS if details else ''} {_WHERE} }}")
    if not values:
        return qualified + r.select(f"SELECT {select} {{ {_BARE} {_UNQUALIFIED} {_WHERE} }}")
    pairs = {(x["item"].value, x["target"].value) for x in qualified}
    bare = r.select(f"SELECT {select} {{ {values} {_BARE} {_WHERE} }}")
    return qualified + [x for x in bare if (x["item"].value, x["target"].value) not in pairs]


def link_values(targets: list[str], munis: tuple[str, ...] = ()) -> str:
    """The VALUES block of the links to ``targets``, in the plans of ``munis`` when given (one
    block of pairs: two blocks may be joined by a scan)."""
    if not munis:
        return f"VALUES ?target {{ {iri_values(targets)} }}"
    pairs = " ".join(f"({term(t)} {term(m)})" for t in targets for m in munis)
    return f"VALUES (?target ?muni) {{ {pairs} }}"


def firm(counts: dict[str, int]) -> int:
    """What a cell of the cross-city grid shows: the links declared, curated or asserted (the
    tagger's suggestions are counted apart)."""
    return sum(n for b, n in counts.items() if b != "suggested")


def municipality_code(iri: str) -> str | None:
    """The 全国地方公共団体コード at the end of a municipality's IRI (``…/municipality/152021``)."""
    code = iri.rsplit("/", 1)[-1]
    return code if len(code) == 6 and code.isdigit() else None


def basis_key(iri: str | None) -> str:
    """``…/link-basis/curated`` → ``curated``; a bare ``mplan:alignedWith`` is ``asserted``."""
    return iri.rsplit("/", 1)[-1] if iri else "asserted"


def is_link_target(r: Reader, iri: str) -> bool:
    """SDG goals and targets, policy domains and pillars get the cross-city link page."""
    return bool(sdg_notation(iri)) or iri.startswith(POLICY_DOMAIN + "/") or \
        iri.startswith(f"{DEF}/pillar/")


def target_page(r: Reader, iri: str, bases: tuple[str, ...] = BASES, page: int = 1,
                size: int | None = None, munis: tuple[str, ...] = ()) -> dict:
    """Everything linked to ``iri`` (for an SDG goal: also to its targets), across cities or in
    the plans of ``munis`` (municipality IRIs), in pages of ``size`` links (an SDG goal has
    thousands of links across the country)."""
    note = sdg_notation(iri)
    targets = [iri]
    narrower: list[Ref] = []
    broader = None
    if note and "." not in note:  # a goal: its targets, from the scheme or from the links
        rows = r.select("SELECT ?t { ?t skos:broader ?g }", g=iri)
        found = {x["t"].value for x in rows}
        # Targets linked without being in the scheme: every well-formed target IRI of this
        # goal is a candidate (125 of them), looked up by value rather than by scanning links.
        candidates = iri_values(f"{iri}.{t}" for t in TARGET_SUFFIXES)
        for link in ("?a mplan:alignmentTarget ?t", "?i mplan:alignedWith ?t"):
            rows = r.select(f"SELECT DISTINCT ?t {{ VALUES ?t {{ {candidates} }} {link} }}")
            found |= {x["t"].value for x in rows}
        targets += sorted(found, key=_sdg_key)
        refs = r.refs(sorted(found, key=_sdg_key))
        narrower = [refs[t] for t in sorted(found, key=_sdg_key)]
    elif note:
        broader = r.ref(iri.rsplit(".", 1)[0])
    else:
        rows = r.select("SELECT ?b { ?x skos:broader ?b }", x=iri)
        broader = r.ref(rows[0]["b"].value) if rows else None
    rows = _links(r, "?item ?target ?basis ?score ?who ?evidence ?plan ?muni",
                  link_values(targets, munis))
    links = [x for x in rows if basis_key(text_of(x, "basis")) in (*bases, "asserted")]
    counts = {b: sum(1 for x in links if basis_key(text_of(x, "basis")) == b) for b in (*BASES, "asserted")}
    # Sorted before labels are read (by municipality code, plan, item, basis), so that only
    # the labels of one page are looked up.
    links.sort(key=lambda x: (x["muni"].value, x["plan"].value, x["item"].value,
                              _basis_rank(basis_key(text_of(x, "basis"))), x["target"].value))
    size = size or LINKS_PAGE_SIZE
    total, pages = len(links), page_count(len(links), size)
    links = links[(page - 1) * size: page * size]
    names = {x[k].value for x in links for k in ("item", "plan", "muni", "target")}
    names |= {x["who"].value for x in links if isinstance(x.get("who"), ox.NamedNode)}
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
    facts = r.select("SELECT ?def ?scheme { OPTIONAL { ?x skos:definition ?def } "
                     "OPTIONAL { ?x skos:inScheme ?scheme } }", x=iri)
    definition = {x["def"].language or "": x["def"].value for x in facts if x.get("def")}
    scheme = next((text_of(x, "scheme") for x in facts if x.get("scheme")), None)
    return {"ref": r.ref(iri), "notation": note, "links": out, "counts": counts,
            "total": total, "page": page, "pages": pages,
            "bases": bases, "municipalities": [r.ref(m) for m in munis],
            "codes": [municipality_code(m) for m in munis], "narrower": narrower, "broader": broader,
            "definition": definition, "scheme": r.ref(scheme) if scheme else None,
            "is_sdg": bool(note)}


def _basis_rank(basis: str) -> int:
    return BASES.index(basis) if basis in BASES else -1


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


def in_prefecture(muni: str, prefecture: str | None) -> bool:
    """Is the municipality ``muni`` (an IRI) in ``prefecture`` (a code; None: anywhere)?"""
    if prefecture is None:
        return True
    code = municipality_code(muni)
    lg = registry().get(code) if code else None
    return lg is not None and lg.prefecture_code == prefecture


def _grids(r: Reader, munis: list[Ref], sdg: dict, dom: dict, bases: tuple[str, ...],
           prefecture: str | None, total: int) -> dict:
    goals = r.refs(SDG_GOALS)
    return {"municipalities": munis, "goals": [goals[g] for g in SDG_GOALS], "domains": domains(r),
            "sdg": sdg, "domain": dom, "bases": bases, "prefecture": prefecture,
            "prefectures": [(p.code, p.name, p.name_en) for p in registry().prefectures()],
            "total": total}


def compare_views(r: Reader, index: ViewsIndex, bases: tuple[str, ...] = BASES,
                  prefecture: str | None = None) -> dict:
    """:func:`compare_page` from the release's precomputed cells."""
    pref_iri = f"{r.paths.base}municipality/{prefecture}" if prefecture else None
    munis = [m for m, _ in index.plans(pref_iri)]
    refs = r.refs(munis)
    grids: dict[str, dict[tuple[str, str], dict[str, int]]] = {"sdg": {}, "domain": {}}
    for c in index.cells(bases, pref_iri):
        grids[c.grid].setdefault((c.municipality, c.target), {})[c.basis] = c.items
    return _grids(r, [refs[m] for m in munis], grids["sdg"], grids["domain"], bases, prefecture,
                  index.links(pref_iri))


def compare_page(r: Reader, bases: tuple[str, ...] = BASES, prefecture: str | None = None) -> dict:
    """Municipalities × SDG goals and municipalities × policy domains: counts of linked items,
    split by provenance (of the municipalities of ``prefecture``, a code, when given)."""
    rows = [x for x in _links(r, "?item ?target ?basis ?muni", details=False)
            if in_prefecture(x["muni"].value, prefecture)]
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

    munis = [m for m in municipalities(r) if in_prefecture(m.iri, prefecture)]
    return _grids(r, munis, counts(sdg), counts(dom), bases, prefecture, len(rows))
