"""The site's service layer: what each IRI is, and the data of its page or its RDF.

Routes ask :class:`Site` and hand the answer to a renderer; nothing here looks at HTTP.
"""

from __future__ import annotations

import pyoxigraph as ox

from ...namespaces import DEF, MPLAN, SDG
from ..paths import Paths
from ..store import Store
from . import catalog, links, places, plans, vocab
from .index import ViewsIndex
from .reader import Reader, sdg_notation
from .search import Filters, search_index, search_store

KIND_BY_TYPE = (
    (str(MPLAN.Plan), "plan"),
    (str(MPLAN.PlanElement), "element"),
    (str(MPLAN.Indicator), "indicator"),
    (str(MPLAN.Municipality), "municipality"),
    (str(MPLAN.Prefecture), "prefecture"),
    ("http://www.w3.org/ns/dcat#Catalog", "catalog"),
    ("http://www.w3.org/ns/dcat#Dataset", "dataset"),
    ("http://www.w3.org/2004/02/skos/core#ConceptScheme", "scheme"),
    ("http://www.w3.org/2004/02/skos/core#Concept", "concept"),
)
SDG_SCHEME = f"{DEF}/sdg"


#: The site's own pages that the sitemap lists before every resource's.
SITEMAP_PAGES = ("/", "/coverage", "/compare", "/query", "/downloads/")

class Site:
    """Resolves IRIs to kinds of page and gathers their data."""

    def __init__(self, store: Store, paths: Paths, catalog_page_size: int = 100,
                 views: ViewsIndex | None = None):
        self.reader = Reader(store, paths)
        self.views = views  # the release's search index and matrices (None: ask the store)
        self.paths = paths
        self.catalog_iri = paths.base + "catalog"
        self.page_size = catalog_page_size
        self._coverage = places.ReleaseCache(lambda: places.coverage(self.reader),
                                              lambda: store.release.id)
        self._sitemap = places.ReleaseCache(self._sitemap_paths, lambda: store.release.id)

    def kind(self, iri: str) -> str | None:
        """What page ``iri`` gets (plan, element, …, resource), or ``None`` if unknown (404)."""
        r = self.reader
        try:
            ox.NamedNode(iri)
        except ValueError:  # not even an IRI: nothing can be published there
            return None
        if iri == DEF:
            return "ontology"
        note = sdg_notation(iri)
        if note:
            if "." not in note or r.exists(iri) or not r.exists(SDG_SCHEME):
                return "target"
            return None
        if iri.startswith(str(SDG)) or not r.exists(iri):
            return None
        if links.is_link_target(r, iri):
            return "target"
        types = r.types(iri)
        for type_iri, kind in KIND_BY_TYPE:
            if type_iri in types:
                return kind
        return "resource"

    def page(self, kind: str, iri: str, *, page: int = 1,
             bases: tuple[str, ...] = links.BASES, munis: tuple[str, ...] = ()) -> dict:
        """The data of the page of ``iri``, a resource of ``kind``."""
        r = self.reader
        if kind == "plan":
            return plans.plan_page(r, iri)
        if kind == "element":
            return plans.element_page(r, iri)
        if kind == "indicator":
            return plans.indicator_page(r, iri)
        if kind == "municipality":
            return places.municipality_page(r, iri)
        if kind == "prefecture":
            return places.prefecture_page(r, iri)
        if kind == "target":
            return links.target_page(r, iri, bases, page, munis=munis)
        if kind == "ontology":
            return vocab.ontology_page(r)
        if kind == "scheme":
            return {**vocab.scheme_page(r, iri), "props": r.properties(iri)}
        if kind == "concept":
            return vocab.concept_page(r, iri)
        if kind == "dataset":
            return catalog.dataset_page(r, iri)
        if kind == "catalog":
            return catalog.catalog_page(r, iri, page, self.page_size)
        used, total = r.incoming(iri)
        return {"ref": r.ref(iri), "used_by": used, "used_total": total,
                "texts": plans.texts(r, iri, ("rdfs:comment",)),
                "provenance": plans.provenance(r, iri)}

    def properties(self, iri: str) -> list:
        """Every property of ``iri``, labels resolved (the "all properties" table)."""
        return self.reader.properties(iri)

    def triples(self, kind: str, iri: str, page: int | None = None,
                root: str | None = None, ext: str | None = None) -> list[ox.Triple]:
        """The RDF of ``iri``: whole graphs for documents (ontology, schemes, catalog pages),
        otherwise its description (outgoing and incoming triples). ``root``: the address the
        client asked, for the catalog's links (None: the base's own IRIs); ``ext``: the
        extension it asked the catalog with, which its page links keep."""
        r = self.reader
        if kind == "ontology" or (kind == "scheme" and iri.startswith(DEF + "/")):
            graph = catalog.graph_triples(r, iri)
            if graph:
                return graph
        if kind == "catalog" and iri == self.catalog_iri:
            return catalog.catalog_triples(r, iri, page, self.page_size, root, ext)
        return r.store.describe(iri)

    def catalog_pages(self) -> int:
        return catalog.page_count(len(catalog.catalog_datasets(self.reader, self.catalog_iri)),
                                  self.page_size)

    def home(self) -> dict:
        return catalog.home_page(self.reader)

    def compare(self, bases: tuple[str, ...] = links.BASES, prefecture: str | None = None) -> dict:
        """The cross-city grids (of one prefecture's municipalities, by its code), from the
        release's views when it has them."""
        if self.views is not None:
            return links.compare_views(self.reader, self.views, bases, prefecture)
        return links.compare_page(self.reader, bases, prefecture)

    def coverage(self) -> places.Coverage:
        """Which municipalities have a plan, by prefecture, and when plans end: computed once
        per release."""
        return self._coverage.get()

    def search(self, q: str, filters: Filters | None = None, page: int = 1) -> dict:
        """Page ``page`` of what /search finds for ``q``: from the release's index, faceted;
        without one (a remote store), from the store's labels, unfaceted."""
        if self.views is not None:
            return search_index(self.reader, self.views, q, filters or Filters(), page)
        return search_store(catalog.search(self.reader, q), page)

    def query_terms(self) -> dict:
        return vocab.query_terms(self.reader)

    def sitemap(self) -> list[str]:
        """The path of every page worth indexing, once each, computed once per release."""
        return self._sitemap.get()

    def _sitemap_paths(self) -> list[str]:
        iris = catalog.sitemap_iris(self.reader, self.catalog_iri)
        return list(dict.fromkeys([*SITEMAP_PAGES, *map(self.paths.href, iris)]))

