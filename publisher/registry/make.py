"""Derive ``local-governments.csv``, the registry we ship, from the third-party files.

    python -m publisher.registry.make ../shared/external

reads 総務省's code list (``soumu-local-government-codes.csv``) and the representative points
(``municipality-coordinates.json``) and writes ``publisher/registry/local-governments.csv``.
The English names are Hepburn romanisations of the kana, generated with pykakasi (a test
dependency: ``pip install pykakasi``); they are published as generated, not as official names.
A test regenerates the file and compares it with the one in the repository.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import unicodedata
from pathlib import Path

from ..fiscal import code_is_valid
from . import COLUMNS, REGISTRY_FILE, kind_of

CODES_FILE = "soumu-local-government-codes.csv"
POINTS_FILE = "municipality-coordinates.json"
#: Names in the points file that are no longer the municipality's name → today's name.
RENAMED = {"兵庫県,篠山市": "兵庫県,丹波篠山市"}
#: The kana a kind's name ends with, longest first (町 is read まち or ちょう, 村 むら or そん).
SUFFIX_KANA = {
    "prefecture": ("ケン", "フ", "ト"),
    "city": ("シ",), "designated-city": ("シ",), "town": ("チョウ", "マチ"),
    "village": ("ムラ", "ソン"), "special-ward": ("ク",),
}
_LONG_VOWELS = (("ou", "o"), ("oo", "o"), ("uu", "u"))


def romanise(kana: str, kind: str) -> str:
    """A Hepburn romanisation of a local government's name from its full-width kana, the
    kind's suffix after a hyphen and long vowels written short, as in common English use.

    >>> romanise("サッポロシ", "designated-city"), romanise("ホッカイドウ", "prefecture")
    ('Sapporo-shi', 'Hokkaido')
    >>> romanise("トウキョウト", "prefecture"), romanise("シンイチョウ", "town")
    ('Tokyo-to', "Shin'i-cho")
    """
    import pykakasi

    stem, suffix = kana, ""
    if kana != "ホッカイドウ":  # the one prefecture whose name has no suffix of its own (道)
        for end in SUFFIX_KANA[kind]:
            if kana.endswith(end) and len(kana) > len(end):
                stem, suffix = kana[: -len(end)], end
                break

    def hepburn(text: str) -> str:
        out = "".join(part["hepburn"] for part in pykakasi.kakasi().convert(text))
        for long, short in _LONG_VOWELS:
            out = out.replace(long, short)
        return out

    name = hepburn(stem).capitalize()
    return f"{name}-{hepburn(suffix)}" if suffix else name


def _degrees(value: float) -> str:
    """A coordinate to 7 decimals (about 1 cm), the precision of the points file, without the
    noise of its binary floats (43.51816609999999 → 43.5181661), so that every store that reads
    the number back writes it as we did."""
    return f"{value:.7f}".rstrip("0").rstrip(".")


def rows(external: Path) -> list[dict[str, str]]:
    """The registry's rows from the files in ``external``, in code order."""
    with open(external / CODES_FILE, encoding="utf-8", newline="") as f:
        codes = list(csv.DictReader(f))
    points = json.loads((external / POINTS_FILE).read_text(encoding="utf-8"))
    points = {RENAMED.get(k, k): v for k, v in points.items()}
    prefectures = {r["prefecture"]: r["code"] for r in codes if not r["city"]}
    out = []
    for r in sorted(codes, key=lambda r: r["code"]):
        if not code_is_valid(r["code"]):
            raise ValueError(f"{CODES_FILE}: {r['code']} has a wrong check digit")
        name = r["city"] or r["prefecture"]
        kana = unicodedata.normalize("NFKC", r["city_kana"] or r["prefecture_kana"])
        kind = kind_of(r["code"], name)
        point = points.get(f"{r['prefecture']},{r['city']}") if r["city"] else None
        if r["city"] and point is None:
            raise ValueError(f"{POINTS_FILE}: no point for {r['prefecture']},{r['city']}")
        out.append({
            "code": r["code"], "kind": kind, "prefecture_code": prefectures[r["prefecture"]],
            "name": name, "kana": kana, "name_en": romanise(kana, kind),
            "lat": _degrees(point["lat"]) if point else "", "lng": _degrees(point["lng"]) if point else "",
        })
    return out


def render(table: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(table)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    REGISTRY_FILE.write_text(render(rows(Path(args[0]))), encoding="utf-8")
    print(f"wrote {REGISTRY_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
