"""The DCAT catalog: one graph in ``catalog.ttl``, in the store and at ``/catalog``, conforming
to DCAT-AP 3.0.1, with links a client of any instance can follow, harvested by CKAN's own
harvester (ckanext-dcat) from a real ``planlod serve``."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pyoxigraph as ox
import pyshacl
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, SH, XSD

from publisher.build import build
from publisher.settings import Settings
from publisher.web.app import create_app
from publisher.web.service.catalog import LINKS, published
from tests.servers import free_port
from tests.shared_files import required

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/mplan/id/"
CATALOG = f"{BASE}catalog"
CKAN_PYTHON = ROOT / ".venv-ckan" / "bin" / "python"
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
HARVESTING = ROOT / "docs" / "harvesting-ckan.md"


def dcat_ap_shapes(shared: Path) -> Graph:
    """The official DCAT-AP 3.0.1 shapes. The main file lists two property shapes of
    dcat:DataService that only the ranges file defines (the ranges file as a whole is not
    usable: it lists shapes neither file defines), so those two definitions come from there."""
    shapes = Graph().parse(shared / "external" / "dcat-ap-3.0.1-SHACL.ttl")
    ranges = Graph().parse(shared / "external" / "dcat-ap-3.0.1-ranges.ttl")
    undefined = set(shapes.objects(None, SH.property)) - set(shapes.subjects(SH.path, None))
    for shape in undefined:
        for t in ranges.triples((shape, None, None)):
            shapes.add(t)
    assert not set(shapes.objects(None, SH.property)) - set(shapes.subjects(SH.path, None))
    return shapes


def _to_rdflib(triples: list[ox.Triple]) -> Graph:
    return Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")


def _client(settings: Settings):  # noqa: ANN202
    from tests.web.conftest import test_client

    return test_client(create_app(settings))


def test_three_catalogs_are_one_graph_with_no_dcat_ap_violation(seed_publication: Path, shared: Path) -> None:
    """``catalog.ttl``, the store's catalog graph (as the site reads it out) and ``/catalog`` on
    a production host are isomorphic, and none has a DCAT-AP 3.0.1 violation."""
    file = Graph().parse(seed_publication / "downloads" / "catalog.ttl")
    store = ox.Store.read_only(str(seed_publication / "store"))
    stored = [q.triple for q in store.quads_for_pattern(None, None, None, ox.NamedNode(CATALOG))]
    # Oxigraph canonicalises xsd:nonNegativeInteger to xsd:integer: what the store holds differs
    # from the file in exactly that, and what is read out of it is the file's graph again
    assert any(t.object.datatype == ox.NamedNode(str(XSD.integer)) for t in stored
               if t.predicate.value == str(DCAT.byteSize))
    store_graph = _to_rdflib([published(t, BASE, None) for t in stored])
    with _client(Settings(out=seed_publication, progress=False, production_hosts=("testserver",))) as c:
        served = c.get("/catalog", headers={"Accept": "text/turtle"})
    assert served.status_code == 200
    served_graph = Graph().parse(data=served.content, format="turtle")
    assert len(file) > 800
    assert isomorphic(file, store_graph)
    assert isomorphic(file, served_graph)
    shapes = dcat_ap_shapes(shared)
    for name, g in (("catalog.ttl", file), ("store", store_graph), ("/catalog", served_graph)):
        conforms, _, text = pyshacl.validate(g, shacl_graph=shapes, inference="none", allow_warnings=True)
        assert conforms, f"{name}: {text}"


def test_catalog_links_point_at_the_host_the_client_asked(seed_publication: Path) -> None:
    """Off the production host, every download, endpoint and paging link of /catalog is on this
    site, and each download link answers; dataset IRIs stay the base's."""
    with _client(Settings(out=seed_publication, progress=False, catalog_page_size=3)) as c:
        r = c.get("/catalog", params={"page": 1}, headers={"Accept": "text/turtle"})
        g = Graph().parse(data=r.content, format="turtle")
        links = {o for p in LINKS for o in g.objects(None, URIRef(p))}
        views = set(g.objects(URIRef(CATALOG), HYDRA.view))
        assert links and views
        assert all(str(x).startswith("http://testserver/") for x in links | views), links | views
        assert str(g.value(next(iter(views)), HYDRA.next)) == "http://testserver/catalog?page=2"
        assert all(str(d).startswith(BASE) for d in g.objects(URIRef(CATALOG), DCAT.dataset))
        for url in {str(u) for u in g.objects(None, DCAT.downloadURL)}:
            assert c.get(url.removeprefix("http://testserver")).status_code == 200, url


def test_dataset_dates_temporal_and_licence(seed_publication: Path) -> None:
    """dct:modified and dct:issued are the plan folders' revision days, not the build's; a plan
    with a period has dct:temporal from its fiscal years; the licence carries CKAN's title."""
    g = Graph().parse(seed_publication / "downloads" / "catalog.ttl")
    folder = ROOT / "datasets" / "202151-shiojiri-6"
    days = subprocess.run(["git", "-C", str(folder), "log", "--format=%cs", "--", "."],
                          capture_output=True, text=True, check=True).stdout.split()
    dirty = subprocess.run(["git", "-C", str(folder), "status", "--porcelain", "--", "."],
                           capture_output=True, text=True, check=True).stdout.strip()
    ds = URIRef(f"{BASE}dataset/202151-shiojiri-6")
    if days and not dirty:
        assert g.value(ds, DCTERMS.modified) == Literal(max(days), datatype=XSD.date)
        assert g.value(ds, DCTERMS.issued) == Literal(min(days), datatype=XSD.date)
    period = g.value(ds, DCTERMS.temporal)
    assert (g.value(period, DCAT.startDate), g.value(period, DCAT.endDate)) == (
        Literal("2024-04-01", datatype=XSD.date), Literal("2033-03-31", datatype=XSD.date))  # R6〜R14
    assert g.value(URIRef(f"{BASE}dataset/022012-aomori-next"), DCTERMS.temporal) is None  # no period given
    licence = URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert str(g.value(licence, DCTERMS.title)) == "Creative Commons Attribution"


@contextmanager
def serve(publication: Path, *options: str, log: Path | None = None, base: str | None = None) -> Iterator[str]:
    """A real ``planlod serve`` of ``publication`` on a free port (its output into ``log``, with
    ``--base base`` if given); yields its address."""
    port = free_port()
    given = ["--base", base] if base else []
    out = log.open("wb") if log is not None else subprocess.DEVNULL
    proc = subprocess.Popen([sys.executable, "-m", "publisher", *given, "--out", str(publication), "serve",
                             "--port", str(port), *options],
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=out, stderr=out)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(url + "/healthz", timeout=5)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "serve did not start"
                time.sleep(0.2)
        yield url
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        if log is not None:
            out.close()


def _documented_harvest() -> tuple[str, str, str]:
    """What docs/harvesting-ckan.md configures: the source URL's path, the source's
    configuration (JSON) and the RDF profiles of ckan.ini."""
    text = HARVESTING.read_text(encoding="utf-8")
    path = re.search(r"\*\*URL\*\*: `https://HOST(/[^`]*)`", text)
    config = re.search(r"^```json harvest-source-config\n(.*?)^```", text, re.S | re.M)
    ini = re.search(r"^```ini ckan.ini\n(.*?)^```", text, re.S | re.M)
    assert path and config and ini, "docs/harvesting-ckan.md lost its configuration"
    profiles = re.search(r"^ckanext\.dcat\.rdf\.profiles = (.+)$", ini.group(1), re.M)
    assert profiles and "dcat_rdf_harvester" in ini.group(1)
    return path.group(1), config.group(1).strip(), profiles.group(1).strip()


def test_ckan_harvests_a_local_instance_through_its_pages(seed_publication: Path) -> None:
    """ckanext-dcat 2.4.4's RDFParser, as CKAN's harvester runs it, follows the Hydra pages of a
    local ``planlod serve`` (2 datasets a page, asked as ``/catalog.ttl`` with no ``Accept``,
    as docs/harvesting-ckan.md configures it) to the end, and gets every dataset of the store
    with resources it can download, checksums that match, a licence id and format names."""
    if not CKAN_PYTHON.is_file():
        reason = "no .venv-ckan: run `bash scripts/install.sh ckan`"
        if required():
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    store = ox.Store.read_only(str(seed_publication / "store"))
    listed = {r["d"].value for r in store.query(
        f"SELECT ?d {{ GRAPH <{CATALOG}> {{ <{CATALOG}> <{DCAT.dataset}> ?d }} }}")}
    path, config, profiles = _documented_harvest()
    with serve(seed_publication, "--catalog-page-size", "2") as url:
        done = subprocess.run([str(CKAN_PYTHON), str(ROOT / "tests" / "ckan" / "harvest.py"), url + path,
                               config, profiles], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        harvest = json.loads(done.stdout)
        assert harvest["pages"] == [url + path] + [f"{url}{path}?page={n}"
                                                   for n in range(2, (len(listed) + 1) // 2 + 1)]
        assert len(harvest["pages"]) >= 3
        datasets = harvest["datasets"]
        uris = [next(e["value"] for e in d["extras"] if e["key"] == "uri") for d in datasets]
        assert sorted(uris) == sorted(listed)
        extras = {u: {e["key"]: e["value"] for e in d["extras"]} for u, d in zip(uris, datasets, strict=True)}
        shiojiri = extras[f"{BASE}dataset/202151-shiojiri-6"]
        assert (shiojiri["temporal_start"], shiojiri["temporal_end"]) == ("2024-04-01", "2033-03-31")
        assert all(e["modified"] and e["issued"] and e["contact_name"] and e["theme"] for e in extras.values())
        for d in datasets:
            assert d["license_id"] == "cc-by"
            assert d["resources"]
            for res in d["resources"]:
                assert res["url"].startswith(url + "/downloads/")
                assert res["format"] in {"Turtle", "N-Triples", "JSON-LD", "TriG", "N-Quads", "CSV", "SQLite"}
                body = httpx.get(res["url"], timeout=60).content
                assert res["size"] == len(body)
                assert res["hash"] == hashlib.sha256(body).hexdigest()


def test_serve_takes_the_base_from_the_release(tmp_path: Path) -> None:
    """Built with another ``--base`` and served without one, the release is served under its
    own base (its catalog and plan pages answer); served with a different ``--base``, serve
    says so when it starts."""
    datasets = tmp_path / "datasets"
    shutil.copytree(ROOT / "datasets" / "202207-azumino-3", datasets / "202207-azumino-3")
    base = "https://example.org/plans/id/"
    settings = Settings(datasets=datasets, out=tmp_path / "public", cache_dir=tmp_path / "cache",
                        base=base, progress=False)
    assert build(settings).changed
    with serve(settings.out) as url:
        catalog = httpx.get(f"{url}/catalog.ttl", timeout=60)
        assert catalog.status_code == 200
        g = Graph().parse(data=catalog.content, format="turtle")
        assert URIRef(f"{base}dataset/202207-azumino-3") in set(g.objects(URIRef(f"{base}catalog"), DCAT.dataset))
        assert httpx.get(f"{url}/plan/202207-azumino-3", timeout=60).status_code == 200
    log = tmp_path / "serve.log"
    with serve(settings.out, log=log, base=BASE) as url:
        assert httpx.get(f"{url}/catalog.ttl", timeout=60).status_code == 404  # as it was asked to
    text = log.read_text(encoding="utf-8")
    assert f"--base {BASE} differs from the base the publication was built with ({base})" in text
