"""How close a draft is to a hand transcription of the same document.

Three measures, each as recall (share of the transcription's items the draft has) and
precision (share of the draft's items the transcription has):

- found: elements matched on their Japanese title (NFKC, spaces and marks ignored; a
  transcription's ``title_as_written`` counts as its title too);
- placed: matched elements at the right level under the right parent (matched the same way);
- values: indicator values as (indicator title, kind, value, Gregorian fiscal year).

Where neither side has any item of a measure, both figures are 1.0.

    python -m publisher.importer.accuracy   # the table in docs/import.md
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..fiscal import FiscalYearError, parse_fiscal
from .text import key

ROOT = Path(__file__).resolve().parents[2]
#: The seeds with a hierarchy and their transcriptions: (seed file, code, dataset folder).
SEEDS = [
    ("022012", "003_956d0c1e884b752d.txt", "022012-aomori-next", "青森市"),
    ("152021", "000_142091a697e8ac0a.txt", "152021-nagaoka-next", "長岡市"),
    ("202151", "004_835325faf316aece.txt", "202151-shiojiri-6", "塩尻市"),
    ("422011", "002_aee263bc375defbd.txt", "422011-nagasaki-2025", "長崎市"),
]


@dataclass
class Score:
    recall: float
    precision: float


def _load(folder: Path, section: str) -> list[dict]:
    items: list[dict] = []
    for f in sorted(folder.glob("*.yaml")):
        items += (yaml.safe_load(f.read_text(encoding="utf-8")) or {}).get(section) or []
    return items


def _ja(text: str | dict) -> str:
    return text if isinstance(text, str) else text["ja"]


def _keys(e: dict) -> set[str]:
    keys = {key(_ja(e["title"]))}
    if e.get("title_as_written"):
        keys.add(key(e["title_as_written"]))
    return keys


def _score(hits_truth: int, n_truth: int, hits_draft: int, n_draft: int) -> Score:
    return Score(hits_truth / n_truth if n_truth else 1.0, hits_draft / n_draft if n_draft else 1.0)


def _fy(year: str | int | None) -> int | None:
    if year is None:
        return None
    try:
        return parse_fiscal(year).fiscal_year
    except FiscalYearError:
        return None


def _values(folder: Path) -> set[tuple]:
    return {(key(_ja(i["title"])), v["kind"], float(v["value"]), _fy(v.get("fiscal_year")))
            for i in _load(folder, "indicators") for v in i.get("values") or []}


def measure(draft: Path, truth: Path) -> dict[str, Score]:
    """The three measures of the draft folder against the transcription folder."""
    mine, theirs = _load(draft, "elements"), _load(truth, "elements")
    by_key = {k: e for e in theirs for k in _keys(e)}
    mine_by_id = {e["id"]: e for e in mine}
    theirs_by_id = {e["id"]: e for e in theirs}
    matched = {e["id"]: by_key[k] for e in mine for k in _keys(e) if k in by_key}
    placed = [e for e in mine if e["id"] in matched and _placed(e, matched, mine_by_id, theirs_by_id)]
    found_truth = {matched[i]["id"] for i in matched}
    placed_truth = {matched[e["id"]]["id"] for e in placed}
    mv, tv = _values(draft), _values(truth)
    return {
        "found": _score(len(found_truth), len(theirs), len(matched), len(mine)),
        "placed": _score(len(placed_truth), len(theirs), len(placed), len(mine)),
        "values": _score(len(mv & tv), len(tv), len(mv & tv), len(mv)),
    }


def _placed(e: dict, matched: dict, mine: dict, theirs: dict) -> bool:
    t = matched[e["id"]]
    if e["level"] != t["level"]:
        return False
    mine_parent, their_parent = e.get("parent"), t.get("parent")
    if mine_parent is None or their_parent is None:
        return mine_parent is None and their_parent is None
    return mine_parent in matched and matched[mine_parent]["id"] == their_parent


def measure_seeds(shared: Path, work: Path) -> dict[str, dict[str, Score]]:
    """Import each seed with a hierarchy into ``work`` and measure it against datasets/."""
    from .run import import_plan

    table = {}
    for code, seed, dataset, name in SEEDS:
        out = work / f"{code}-draft"
        import_plan(shared / "seeds" / seed, code, out)
        table[name] = measure(out, ROOT / "datasets" / dataset)
    return table


def markdown(table: dict[str, dict[str, Score]]) -> str:
    lines = ["| plan | found recall | found precision | placed recall | placed precision "
             "| values recall | values precision |", "|---|---|---|---|---|---|---|"]
    for name, scores in table.items():
        cells = [f"{s.recall:.2f} | {s.precision:.2f}" for s in scores.values()]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        print(markdown(measure_seeds(ROOT.parent / "shared", Path(tmp))), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
