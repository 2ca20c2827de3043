"""Harvest a DCAT catalog the way CKAN's harvester does: ckanext-dcat's own ``RDFParser``,
following its Hydra paging (``RDFParser.next_page``) until there is no next page.

Runs in ``.venv-ckan`` (``bash scripts/install.sh ckan``), not in planlod's environment:
``.venv-ckan/bin/python tests/ckan/harvest.py URL`` prints ``{"pages": [...], "datasets": [...]}``
as JSON, each dataset the dict CKAN would create.
"""

import json
import sys
import urllib.request

from ckanext.dcat.processors import RDFParser

MAX_PAGES = 50  # a catalog whose paging loops stops here (and the test sees it)


def harvest(url: str) -> dict:
    pages, datasets = [], []
    while url and len(pages) < MAX_PAGES:
        request = urllib.request.Request(url, headers={"Accept": "text/turtle"})
        with urllib.request.urlopen(request, timeout=60) as response:
            body = response.read().decode("utf-8")
        parser = RDFParser()
        parser.parse(body, _format="turtle")
        pages.append(url)
        datasets.extend(parser.datasets())
        url = parser.next_page()
    return {"pages": pages, "datasets": datasets}


if __name__ == "__main__":
    json.dump(harvest(sys.argv[1]), sys.stdout, ensure_ascii=False, default=str)
