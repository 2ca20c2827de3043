"""What a page may put in ``href``: the one check every link from data goes through.

A page links an IRI only when following it cannot run anything: an ``http`` or ``https`` IRI,
or a path of this site (``/plan/x``, which :class:`~publisher.web.paths.Paths` makes of the IRIs
we serve). Anything else (``javascript:``, ``data:``, ``vbscript:``, ``mailto:``, ``urn:``, …),
and any text with spaces or control characters (which browsers strip or drop before they read
the scheme, so that ``" java\\tscript:"`` runs as ``javascript:``), is not linked: the page
shows it as text. The data we publish only holds http(s) IRIs (the JSON Schema and the SHACL
shapes see to that), but a query result, a remote store or an older release may hold others.

>>> link_target("https://w3id.org/mplan/id/plan/x"), link_target("/plan/x?lang=en")
('https://w3id.org/mplan/id/plan/x', '/plan/x?lang=en')
>>> link_target("HTTP://EXAMPLE.ORG/"), link_target("https://例え.jp/計画")
('HTTP://EXAMPLE.ORG/', 'https://例え.jp/計画')
>>> [link_target(t) for t in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:x",
...                           "\\x01javascript:x", "java\\tscript:x", "data:text/html,x",
...                           "vbscript:x", "//evil.example/", "/\\\\evil.example/", "", None)]
[None, None, None, None, None, None, None, None, None, None, None]
"""

from __future__ import annotations

import re

# http(s)://host… or /path (not //host nor /\host, which browsers read as another host);
# no ASCII space or control character, nor C1 control, anywhere.
_LINKABLE = re.compile(r"(?:[Hh][Tt][Tt][Pp][Ss]?://[^/?#\x00-\x20\x7f-\x9f]|/(?![/\\]))"
                       r"[^\x00-\x20\x7f-\x9f]*")


def link_target(target: str | None) -> str | None:
    """``target`` if a page may link to it (an http(s) IRI or a path of this site), else None."""
    return target if target and _LINKABLE.fullmatch(target) else None
