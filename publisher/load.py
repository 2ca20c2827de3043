"""Stage 1, load: a plan folder of YAML (and CSV) files → checked, merged plan source.

Checks, in order: each file is safe YAML (``yamlsrc``), each file follows the JSON Schema
``schemas/plan-source.schema.json``, then the merged plan is consistent (unique ids, existing
parents and departments, valid local government code, readable fiscal years, targets not
before baselines). Every problem names file, line, column and JSON path, in Japanese and
English, and says what to do.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from .errors import Location, Problem, SourceError
from .fiscal import FiscalDate, FiscalYearError, check_digit, code_is_valid, parse_fiscal
from .registry import registry
from .sources import (
    PLAN_FILES,
    VALUES_CSV,
    default_root,
    plan_file,
    read_source,
    source_files,
    subfolders,
)
from .yamlsrc import DEFAULT_MAX_BYTES, Document, parse_yaml

SCHEMA_PATH = Path(__file__).parent / "schemas" / "plan-source.schema.json"
LIST_SECTIONS = ("departments", "elements", "viewpoints", "indicators", "tables", "events",
                 "situation", "suggestions")
CSV_COLUMNS = ("indicator", "kind", "value", "unit", "fiscal_year", "qualifier", "text", "note")
LEVEL_RANK = {"vision": 1, "goal": 2, "policy": 3, "measure": 4, "action": 5}


@cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def _validator() -> jsonschema.protocols.Validator:
    cls = jsonschema.validators.validator_for(schema())
    return cls(schema(), format_checker=cls.FORMAT_CHECKER)


@dataclass
class Item:
    """One entry of a merged list, with the document and JSON path it came from."""

    data: dict[str, Any]
    doc: Document
    path: str

    def at(self, *keys: str | int) -> Location:
        return self.doc.locate("/".join([self.path, *map(str, keys)]))


@dataclass
class PlanSource:
    """A plan folder, loaded and checked: the plan section and every merged list."""

    folder: Path
    plan: Item
    lists: dict[str, list[Item]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    digests: dict[str, bytes] = field(default_factory=dict)  # file name -> SHA-256 of the bytes read

    @property
    def id(self) -> str:
        return self.plan.data["id"]

    @property
    def code(self) -> str:
        return self.plan.data["municipality"]["code"]

    def items(self, section: str) -> list[Item]:
        return self.lists.get(section, [])


def plan_folders(paths: list[Path]) -> list[Path]:
    """The plan folders named by ``paths``: plan folders themselves or folders holding them.

    A plan folder holds ``plan.yaml`` (or ``plan.yml``). Raise SourceError, naming every such
    folder, for a folder that holds source files but no plan file (it would otherwise vanish
    from the publication without a word), for one with both plan files, and for a path that
    names no plan at all.
    """
    found: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if not path.is_dir():
            raise SourceError(_no_plan(path, "計画フォルダが見つかりません。", "no plan folder here.", "not-found"))
        candidates = [path] if plan_file(path) is not None else subfolders(path)
        seen = len(found), len(problems)
        for folder in candidates:
            problem = _plan_folder_problem(folder)
            if problem is not None:
                problems.append(problem)
            elif plan_file(folder) is not None:
                found.append(folder)
        if (len(found), len(problems)) == seen:  # nothing here: a plan folder without its plan file?
            problems.append(_plan_folder_problem(path)
                            or _no_plan(path, "計画が見つかりません。", "no plan found here.", "no-plan"))
    if problems:
        raise SourceError(problems)
    return found


def _plan_folder_problem(folder: Path) -> Problem | None:
    """Why ``folder`` cannot be a plan folder although it looks like one, if it cannot."""
    present = [n for n in PLAN_FILES if os.path.lexists(folder / n)]
    if len(present) > 1:
        return Problem(Location(folder / present[1]), "plan.yaml と plan.yml の両方があります。",
                       "the folder has both plan.yaml and plan.yml.",
                       "どちらか一方にまとめてください。", "Keep one of the two.", code="two-plan-files")
    files = [] if present else source_files(folder)
    if files:
        names = ", ".join(f.name for f in files[:3]) + (", …" if len(files) > 3 else "")
        return Problem(Location(folder), f"フォルダ「{folder.name}」には {names} がありますが、plan.yaml がありません。",
                       f"the folder {folder.name!r} holds {names} but no plan.yaml, so it is not a plan.",
                       "plan: を書いた plan.yaml（または plan.yml）を置いてください。計画でないなら、"
                       "このフォルダをデータセットのフォルダの外に移してください。",
                       "Add plan.yaml (or plan.yml) with the plan: section; if the folder is not a plan, "
                       "move it out of the datasets folder.", code="no-plan-file")
    return None


def _no_plan(path: Path, ja: str, en: str, code: str) -> Problem:
    return Problem(Location(path), ja, en,
                   "plan.yaml を含むフォルダ、またはそれらを含むフォルダ（datasets/）を指定してください。",
                   "Name a folder that holds plan.yaml, or a folder of such folders (datasets/).", code=code)


def load_plan(folder: Path, max_bytes: int = DEFAULT_MAX_BYTES, root: Path | None = None) -> PlanSource:
    """Load and check one plan folder; raise SourceError listing every problem found.

    Every file is read with :func:`sources.read_source`: a regular file that resolves inside
    ``root``, the datasets folder (default: the folder holding ``folder``).
    """
    root = root or default_root(folder)
    problems: list[Problem] = []
    docs: list[Document] = []
    files = source_files(folder)
    digests: dict[str, bytes] = {}
    for file in files:
        if file.name == VALUES_CSV:
            continue
        try:
            raw = read_source(file, root, max_bytes)
            digests[file.name] = hashlib.sha256(raw).digest()
            doc = parse_yaml(file, raw)
        except SourceError as exc:
            problems.extend(exc.problems)
            continue
        schema_problems = check_schema(doc)
        problems.extend(schema_problems)
        if not schema_problems:
            docs.append(doc)
    if problems:
        raise SourceError(problems)
    plans = [d for d in docs if "plan" in d.data]
    if len(plans) != 1:
        where = Location(plan_file(folder) or folder / "plan.yaml") if not plans else plans[1].locate("/plan")
        raise SourceError(Problem(
            where,
            "plan: はフォルダ内でちょうど1回書いてください" + ("（ありません）。" if not plans else "（複数あります）。"),
            "a plan folder needs exactly one plan: section" + (" (none found)." if not plans else " (found more than one)."),
            "plan.yaml に plan: を書いてください。", "Write the plan: section in plan.yaml.",
            code="plan-section"))
    source = PlanSource(folder, Item(plans[0].data["plan"], plans[0], "/plan"), files=files, digests=digests)
    for doc in docs:
        for section in LIST_SECTIONS:
            for i, entry in enumerate(doc.data.get(section, [])):
                source.lists.setdefault(section, []).append(Item(entry, doc, f"/{section}/{i}"))
    if files and files[-1].name == VALUES_CSV:
        problems.extend(_merge_csv(source, files[-1], root, max_bytes))
    problems.extend(check_consistency(source))
    if problems:
        raise SourceError(problems)
    return source


# -- JSON Schema ------------------------------------------------------------------------------

def _check_registry(plan: Item) -> list[Problem]:
    """The plan's local government against the registry: its code is listed, and its name and
    prefecture are the ones 総務省's list gives for that code (a prefecture's prefecture is itself)."""
    m = plan.data["municipality"]
    code = m["code"]
    lg = registry().get(code)
    if lg is None:
        return [Problem(plan.at("municipality", "code"),
                        f"団体コード {code} は全国地方公共団体コードの一覧にありません。",
                        f"local government code {code} is not in the national code list.",
                        "総務省の全国地方公共団体コード（6桁）を確認してください。",
                        "Check the 6-digit code in 総務省's national local government code list.",
                        code="registry")]
    problems = []
    name = m["name"] if isinstance(m["name"], str) else m["name"]["ja"]
    if name != lg.name:
        problems.append(Problem(plan.at("municipality", "name"),
                                f"団体コード {code} の団体名は「{lg.name}」ですが、「{name}」と書かれています。",
                                f"local government code {code} is {lg.name} ({lg.name_en}) in the national "
                                f"code list, but the plan names {name}.",
                                f"団体名を「{lg.name}」にするか、団体コードを確認してください。",
                                f"Write the name as {lg.name}, or check the code.", code="registry"))
    pref = m.get("prefecture")
    pref_ja = pref if isinstance(pref, str) or pref is None else pref["ja"]
    if pref_ja is not None and pref_ja != lg.prefecture.name:
        problems.append(Problem(plan.at("municipality", "prefecture"),
                                f"団体コード {code}（{lg.name}）の都道府県は「{lg.prefecture.name}」ですが、"
                                f"「{pref_ja}」と書かれています。",
                                f"local government code {code} ({lg.name}) is in {lg.prefecture.name}, "
                                f"but the plan says {pref_ja}.",
                                f"都道府県を「{lg.prefecture.name}」にしてください。",
                                f"Write the prefecture as {lg.prefecture.name}.", code="registry"))
    return problems


def check_schema(doc: Document) -> list[Problem]:
    """Problems of one document against the JSON Schema, each located in the file."""
    problems = []
    data = doc.data if doc.data is not None else {}
    if not isinstance(data, dict):
        return [Problem(doc.locate(""), "ファイルの最上位はマッピング（plan: や elements: など）でなければなりません。",
                        "the top level of the file must be a mapping (plan:, elements:, …).",
                        "「plan:」「elements:」などの項目名から書き始めてください（先頭の「- 」は不要）。",
                        "Start the file with section names such as plan: or elements: (no leading '- ').",
                        code="schema")]
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    for error in errors:
        problems.append(_schema_problem(doc, error))
    return problems


def _schema_problem(doc: Document, error: jsonschema.ValidationError) -> Problem:
    path = "".join(f"/{p}" for p in error.absolute_path)
    kind = error.validator
    value = error.instance
    field_name = str(error.absolute_path[-1]) if error.absolute_path else "(top level)"
    if kind == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(value) - set(allowed)) if isinstance(value, dict) else []
        key = extra[0] if extra else "?"
        return Problem(
            doc.locate_key(f"{path}/{key}"), f"未知の項目「{key}」があります。", f"unknown field {key!r}.",
            f"綴りを確認してください。使える項目: {', '.join(allowed)}",
            f"Check the spelling. Allowed here: {', '.join(allowed)}", code="unknown-field")
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        return Problem(doc.locate(path), f"必須の項目「{missing}」がありません。",
                       f"the required field {missing!r} is missing.",
                       f"「{missing}:」を追加してください。", f"Add {missing}:.", code="missing-field")
    if kind == "enum":
        options = ", ".join(map(str, error.validator_value))
        return Problem(doc.locate(path), f"「{field_name}」の値 {value!r} は使えません。",
                       f"{value!r} is not an allowed value of {field_name!r}.",
                       f"次のいずれかにしてください: {options}", f"Use one of: {options}", code="bad-value")
    if kind == "type":
        expected = error.validator_value
        hint_en = {"number": "Write a plain number such as 68.9 (no units, no 約, no %): keep the text as written in text:.",
                   "integer": "Write a whole number.", "string": "Write text (quote it if it looks like a number: \"422011\").",
                   "array": "Write a list (lines starting with '- ').", "object": "Write a mapping (key: value lines)."}
        hint_ja = {"number": "68.9 のような数値だけを書いてください（単位・「約」・% は不可。表記どおりの文字は text: に）。",
                   "integer": "整数を書いてください。", "string": "文字列を書いてください（数字だけなら \"422011\" のように引用符で囲む）。",
                   "array": "リスト（「- 」で始まる行）で書いてください。", "object": "「キー: 値」の形で書いてください。"}
        exp = expected if isinstance(expected, str) else expected[0]
        return Problem(doc.locate(path), f"「{field_name}」の型が違います（{value!r}）。",
                       f"{field_name!r} has the wrong type ({value!r}; expected {exp}).",
                       hint_ja.get(exp, ""), hint_en.get(exp, ""), code="wrong-type")
    if kind == "pattern" and error.schema.get("format") == "uri":  # $defs/WebUrl
        return Problem(doc.locate(path),
                       f"「{field_name}」は http:// か https:// で始まるURLでなければなりません（{value!r}）。",
                       f"{field_name!r} must be a web address starting with http:// or https:// ({value!r}).",
                       "https://www.city.nagasaki.lg.jp/ のように書いてください。ページからリンクされるので、"
                       "javascript: や data: などほかの形式、空白や制御文字は使えません。",
                       "Write it like https://www.city.nagasaki.lg.jp/. Pages link it, so other schemes "
                       "(javascript:, data:, …), spaces and control characters are not allowed.",
                       code="bad-url")
    if kind == "pattern":
        return Problem(doc.locate(path), f"「{field_name}」の形式が違います（{value!r}）。",
                       f"{field_name!r} does not have the expected form ({value!r}).",
                       "ID は英数字・「.」「_」「-」だけで書いてください。団体コードは6桁の数字です。",
                       "Ids use ASCII letters, digits, '.', '_' and '-'; the municipality code is 6 digits; a plan id is <code>-<slug>.",
                       code="bad-format")
    if kind == "format" and error.validator_value == "date":
        return Problem(doc.locate(path), f"「{field_name}」が日付ではありません（{value!r}）。",
                       f"{field_name!r} is not a date ({value!r}).",
                       '"2026-12-05" のように西暦の年-月-日で、引用符で囲んで書いてください。',
                       'Write the day as "YYYY-MM-DD" in quotes, like "2026-12-05".', code="bad-date")
    if kind == "oneOf" and isinstance(value, (dict, str, int, float, bool, list)) or kind == "anyOf":
        return Problem(doc.locate(path), f"「{field_name}」の書き方が違います（{value!r}）。",
                       f"{field_name!r} is not written in a form we read ({value!r}).",
                       "文字列、または ja: と en: を持つマッピングで書いてください（年度は R2年度 のような文字列か西暦の整数）。",
                       "Write a string, or a mapping with ja: and en: (a fiscal year is text like R2年度, or a Gregorian year).",
                       code="bad-form")
    return Problem(doc.locate(path), f"「{field_name}」が形式に合いません: {error.message}",
                   f"{field_name!r} is invalid: {error.message}",
                   "スキーマ publisher/schemas/plan-source.schema.json を確認してください。",
                   "See the schema publisher/schemas/plan-source.schema.json.", code="schema")


# -- CSV of indicator values --------------------------------------------------------------------

def _merge_csv(source: PlanSource, file: Path, root: Path, max_bytes: int) -> list[Problem]:
    """Add the rows of values.csv to their indicators' values."""
    problems: list[Problem] = []
    try:
        raw = read_source(file, root, max_bytes)
    except SourceError as exc:
        return exc.problems
    source.digests[file.name] = hashlib.sha256(raw).digest()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return [Problem(Location(file, line), "CSV が UTF-8 ではありません。", "the CSV file is not UTF-8.",
                        "Excel では「CSV UTF-8」で保存してください。", "In Excel, save as 'CSV UTF-8'.",
                        code="encoding")]
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if unknown or not {"indicator", "kind", "value"} <= set(header):
        return [Problem(Location(file, 1, 1), "CSV の見出し行が違います。", "the CSV header row is wrong.",
                        f"見出しは {', '.join(CSV_COLUMNS)} から選び、indicator, kind, value は必須です。",
                        f"Columns are {', '.join(CSV_COLUMNS)}; indicator, kind and value are required.",
                        code="csv-header")]
    by_id = {item.data["id"]: item for item in source.items("indicators")}
    doc = Document(file, None)
    for row in reader:
        line = reader.line_num
        loc = Location(file, line, 1)
        ind = by_id.get(row["indicator"])
        if ind is None:
            problems.append(Problem(loc, f"指標「{row['indicator']}」は indicators にありません。",
                                    f"indicator {row['indicator']!r} is not in indicators.",
                                    "indicators の id を書いてください。", "Use an id from indicators.",
                                    code="unknown-indicator"))
            continue
        value = row["value"].strip()
        try:
            number: float | int = int(value) if value.lstrip("-").isdigit() else float(value)
            if not math.isfinite(number):
                raise ValueError(value)
        except ValueError:
            problems.append(Problem(loc, f"値「{value}」は数値ではありません。", f"value {value!r} is not a number.",
                                    "数値だけを書き、表記どおりの文字は text 列に書いてください。",
                                    "Write a plain number; keep the text as written in the text column.",
                                    code="wrong-type"))
            continue
        entry = {k: row[k].strip() for k in CSV_COLUMNS if k in row and row[k] and k not in ("indicator", "value")}
        entry["value"] = number
        if entry.get("kind") not in ("baseline", "target", "actual", "projection"):
            problems.append(Problem(loc, f"kind「{entry.get('kind')}」は使えません。", f"kind {entry.get('kind')!r} is not allowed.",
                                    "baseline, target, actual, projection のいずれか。", "Use baseline, target, actual or projection.",
                                    code="bad-value"))
            continue
        ind.data.setdefault("values", []).append(entry)
        index = len(ind.data["values"]) - 1
        doc.positions[f"/csv/{line}"] = (line, 1)
        ind.data.setdefault("_csv", {})[index] = (file, line)
    return problems


# -- consistency of the merged plan ------------------------------------------------------------

def check_consistency(source: PlanSource) -> list[Problem]:
    problems: list[Problem] = []
    plan = source.plan
    folder_name = source.folder.name
    if plan.data["id"] != folder_name:
        problems.append(Problem(plan.at("id"), f"計画ID「{plan.data['id']}」がフォルダ名「{folder_name}」と違います。",
                                f"the plan id {plan.data['id']!r} differs from the folder name {folder_name!r}.",
                                "フォルダ名と plan.id を同じにしてください。", "Make plan.id equal the folder name.",
                                code="plan-id"))
    code = plan.data["municipality"]["code"]
    if not code_is_valid(code):
        right = f"{code[:5]}{check_digit(code[:5])}"
        problems.append(Problem(plan.at("municipality", "code"),
                                f"団体コード {code} の検査数字が違います（正しくは {right}）。",
                                f"the check digit of local government code {code} is wrong (expected {right}).",
                                "全国地方公共団体コード（6桁）を確認してください。",
                                "Check the 6-digit local government code (全国地方公共団体コード).", code="check-digit"))
    else:
        problems.extend(_check_registry(plan))
    if code_is_valid(code) and not plan.data["id"].startswith(code + "-"):
        problems.append(Problem(plan.at("id"), "計画IDは団体コードで始めてください。",
                                "the plan id must start with the municipality code.",
                                f"例: {code}-name", f"e.g. {code}-name", code="plan-id"))
    problems.extend(_check_fiscal(plan, ("period", "start"), ("period", "end"), ("issued",)))
    for i, layer in enumerate(plan.data.get("layers", [])):
        sub = Item(layer, plan.doc, f"{plan.path}/layers/{i}")
        problems.extend(_check_fiscal(sub, ("period", "start"), ("period", "end")))
    source_ids = [s["id"] for s in plan.data["sources"]]
    problems.extend(_unique(source, "departments"))
    problems.extend(_unique(source, "elements"))
    problems.extend(_unique(source, "viewpoints"))
    problems.extend(_unique(source, "indicators"))
    problems.extend(_unique(source, "tables"))
    problems.extend(_unique(source, "events"))
    elements = {e.data["id"]: e for e in source.items("elements")}
    departments = {d.data["id"] for d in source.items("departments")}
    indicators = {i.data["id"]: i for i in source.items("indicators")}
    for section in ("elements", "indicators", "viewpoints", "tables", "events", "situation"):
        for item in source.items(section):
            doc_id = item.data.get("source", {}).get("document")
            if doc_id and doc_id not in source_ids:
                problems.append(_dangling(item.at("source", "document"), "sources", doc_id))
    for item in source.items("elements"):
        parent = item.data.get("parent")
        if parent is not None:
            if parent not in elements:
                problems.append(_dangling(item.at("parent"), "elements", parent))
            elif LEVEL_RANK[elements[parent].data["level"]] >= LEVEL_RANK[item.data["level"]]:
                p_level = elements[parent].data["level"]
                problems.append(Problem(
                    item.at("parent"),
                    f"上位要素「{parent}」の階層（{p_level}）が、この要素の階層（{item.data['level']}）より上ではありません。",
                    f"the parent {parent!r} (level {p_level}) is not above this element (level {item.data['level']}).",
                    "parent か level を直してください（vision > goal > policy > measure > action）。",
                    "Fix parent or level (vision > goal > policy > measure > action).", code="level-order"))
        for j, dept in enumerate(item.data.get("departments", [])):
            if dept not in departments:
                problems.append(_dangling(item.at("departments", j), "departments", dept))
    problems.extend(_cycles(elements))
    for item in source.items("indicators"):
        target = item.data.get("element")
        if target is not None and target not in elements:
            problems.append(_dangling(item.at("element"), "elements", target))
        problems.extend(_check_values(item))
    for item in source.items("tables"):
        ind = item.data.get("indicator")
        if ind is not None and ind not in indicators:
            problems.append(_dangling(item.at("indicator"), "indicators", ind))
        n = len(item.data["scores"])
        for r, row in enumerate(item.data["rows"]):
            if len(row["shares"]) != n:
                problems.append(Problem(item.at("rows", r, "shares"),
                                        f"shares の個数（{len(row['shares'])}）が scores の個数（{n}）と違います。",
                                        f"{len(row['shares'])} shares for {n} scores.",
                                        "scores と同じ数の値を書いてください。", "Give one share per score.",
                                        code="table-shape"))
    for item in source.items("events"):
        if "date" in item.data and not yearless(item.data["date"]):
            try:
                parse_fiscal(item.data["date"])
            except FiscalYearError as exc:
                problems.append(_fiscal_problem(item.at("date"), exc))
    for item in source.items("elements"):
        problems.extend(_check_fiscal(item, ("target_state", "year")))
    problems.extend(_check_suggestions(source, elements, indicators))
    return problems


def _check_suggestions(source: PlanSource, elements: dict[str, Item],
                       indicators: dict[str, Item]) -> list[Problem]:
    """The review file's entries name existing items, once per item and target."""
    problems = []
    seen: dict[tuple[str, str, str], Item] = {}
    for item in source.items("suggestions"):
        kind, about, target = item.data["kind"], item.data["about"], item.data["target"]
        if about not in (elements if kind == "element" else indicators):
            problems.append(_dangling(item.at("about"), f"{kind}s", about))
        key = (kind, about, target)
        if key in seen:
            first = seen[key].at("target")
            problems.append(Problem(item.at("target"), f"{about} の候補 {target} が重複しています（最初は {first}）。",
                                    f"the suggestion {target} for {about} is repeated (first at {first}).",
                                    "どちらか一方を消してください。", "Delete one of them.",
                                    code="duplicate-suggestion"))
        seen.setdefault(key, item)
    return problems


def _check_values(item: Item) -> list[Problem]:
    problems = []
    years: dict[str, list[int]] = {}
    for j, value in enumerate(item.data.get("values", [])):
        where = item.at("values", j, "fiscal_year")
        csv_origin = item.data.get("_csv", {}).get(j)
        if csv_origin:
            where = Location(csv_origin[0], csv_origin[1], None)
        if "fiscal_year" in value:
            try:
                fy = parse_fiscal(value["fiscal_year"]).fiscal_year
            except FiscalYearError as exc:
                problems.append(_fiscal_problem(where, exc))
                continue
            years.setdefault(value["kind"], []).append(fy)
    if years.get("baseline") and years.get("target"):
        base, target = max(years["baseline"]), min(years["target"])
        if target < base:
            problems.append(Problem(
                item.at("values"), f"目標値の年度（{target}年度）が基準値の年度（{base}年度）より前です。",
                f"a target's fiscal year ({target}) is before the baseline's ({base}).",
                "年度を確認してください（目標は基準の後）。", "Check the fiscal years: a target comes after its baseline.",
                code="target-before-baseline"))
    return problems


def _check_fiscal(item: Item, *paths: tuple[str, ...]) -> list[Problem]:
    problems = []
    for path in paths:
        node: Any = item.data
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if node is None:
            continue
        try:
            parse_fiscal(node)
        except FiscalYearError as exc:
            problems.append(_fiscal_problem(item.at(*path), exc))
    return problems


def _fiscal_problem(where: Location, exc: FiscalYearError) -> Problem:
    return Problem(where, exc.ja + "。", exc.en + ".",
                   "和暦（R2年度、令和14年度、H29、R元年度）か西暦（2025年度）で書いてください。",
                   "Write a Japanese-era year (R2年度, 令和14年度, H29, R元年度) or a Gregorian one (2025年度).",
                   code="fiscal-year")


def _unique(source: PlanSource, section: str) -> list[Problem]:
    seen: dict[str, Item] = {}
    problems = []
    for item in source.items(section):
        key = item.data["id"]
        if key in seen:
            first = seen[key].at("id")
            problems.append(Problem(item.at("id"), f"{section} の ID「{key}」が重複しています（最初は {first}）。",
                                    f"duplicate {section} id {key!r} (first at {first}).",
                                    "ID を一意にしてください。IDは公開IRIの一部になります。",
                                    "Make the id unique: it becomes part of a published IRI.", code="duplicate-id"))
        else:
            seen[key] = item
    return problems


def _dangling(where: Location, section: str, ref: str) -> Problem:
    return Problem(where, f"「{ref}」は {section} にありません。", f"{ref!r} is not an id in {section}.",
                   f"{section} に定義されている ID を書くか、{section} に追加してください。",
                   f"Use an id defined in {section}, or add it there.", code="dangling-reference")


def _cycles(elements: dict[str, Item]) -> list[Problem]:
    problems = []
    for start, item in elements.items():
        seen = {start}
        parent = item.data.get("parent")
        while parent in elements:
            if parent in seen:
                problems.append(Problem(item.at("parent"), "parent が循環しています。", "the parent links form a cycle.",
                                        "parent を直してください。", "Fix the parent links.", code="parent-cycle"))
                break
            seen.add(parent)
            parent = elements[parent].data.get("parent")
    return problems


def yearless(text: str) -> bool:
    """True for a date written without a year (12月下旬, 4月): kept as text only."""
    return bool(re.match(r"^\s*[0-9０-９]{1,2}\s*月", text))


def fiscal(value: str | int | None) -> FiscalDate | None:
    """The parsed fiscal date of a checked value (None stays None)."""
    return None if value is None else parse_fiscal(value)
