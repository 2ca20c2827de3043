"""Harvest a DCAT catalog the way CKAN's harvester (``dcat_rdf``) does: a plain GET with no
``Accept`` of its own, the format taken from the answer's ``Content-Type``, ckanext-dcat's own
``RDFParser``, and its Hydra paging (``RDFParser.next_page``) until there is no next page.

Runs in ``.venv-ckan`` (``bash scripts/install.sh ckan``), not in planlod's environment:
``.venv-ckan/bin/python tests/ckan/harvest.py URL CONFIG PROFILES`` prints
``{"pages": [...], "datasets": [...]}`` as JSON, each dataset the dict CKAN would create. CONFIG
is the harvest source's configuration (JSON; its ``rdf_format``, when given, is used for every
page, as the harvester does), PROFILES the value of ``ckanext.dcat.rdf.profiles``.
"""

import json
import sys
import urllib.request

from ckanext.dcat.processors import RDFParser

MAX_PAGES = 50  # a catalog whose paging loops stops here (and the test sees it)


def harvest(url: str, config: dict, profiles: list[str]) -> dict:
    pages, datasets = [], []
    while url and len(pages) < MAX_PAGES:
        with urllib.request.urlopen(url, timeout=60) as response:
            body = response.read().decode("utf-8")
            media_type = response.headers.get("Content-Type", "").split(";", 1)[0]
        parser = RDFParser(profiles=profiles)
        parser.parse(body, _format=config.get("rdf_format") or media_type)
        pages.append(url)
        datasets.extend(parser.datasets())
        url = parser.next_page()
    return {"pages": pages, "datasets": datasets}


if __name__ == "__main__":
    json.dump(harvest(sys.argv[1], json.loads(sys.argv[2]), sys.argv[3].split()), sys.stdout, ensure_ascii=False, default=str)
