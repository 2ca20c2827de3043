"""`planlod new`: a plan folder with commented templates that validate as they are."""

from __future__ import annotations

import re
from pathlib import Path

from .errors import Location, Problem, UsageError
from .fiscal import check_digit, code_is_valid

HEADER = "# yaml-language-server: $schema=../../publisher/schemas/plan-source.schema.json\n"

PLAN = """{header}# 計画の基本情報 / the plan itself. See docs/source-format.md.
plan:
  id: {plan_id}
  municipality:
    code: "{code}"          # 全国地方公共団体コード（検査数字つき6桁）
    name: {name}
  title: （計画の名称）       # e.g. 第六次○○市総合計画
  status: draft              # policy 策定方針 / proposal 案 / draft 素案 / adopted 策定済
  # period: {{start: R8年度, end: R17年度}}
  levels:                    # この計画での階層の呼び方 / your own names of the levels
    vision: 将来像
    goal: 基本目標
    policy: 政策
    measure: 施策
  sources:
    - id: main
      file: （出典ファイル名）.pdf
      title: （出典文書の名称）

departments: []              # - {{id: kikaku, name: 企画課}}
"""

ELEMENTS = """{header}# 計画の体系 / the hierarchy: vision → goal → policy → measure → action
elements:
  - id: vision
    level: vision
    title: （将来像）
"""

INDICATORS = """{header}# 指標 / indicators with baseline and target values
indicators: []
#  - id: kpi-1
#    element: vision
#    title: （指標名）
#    unit: "%"
#    direction: increase     # increase 増加 / decrease 減少 / maintain 維持
#    data_source: survey     # survey 市民アンケート / measured 実数値 / official-statistic
#    values:
#      - {{kind: baseline, value: 68.9, fiscal_year: R2年度, text: "68.9% (R2年度)"}}
#      - {{kind: target, value: 75.0, fiscal_year: R7年度, text: "75.0% (R7年度)"}}
"""


def check_code(code: str) -> None:
    """Raise a UsageError unless ``code`` is a 全国地方公共団体コード with the right check digit."""
    if not code_is_valid(code):
        hint = f"{code[:5]}{check_digit(code[:5])}" if re.fullmatch(r"\d{5,6}", code) else "6桁"
        raise UsageError(Problem(Location(), f"団体コード「{code}」が正しくありません（例: {hint}）。",
                                 f"{code!r} is not a valid local government code (e.g. {hint}).",
                                 "検査数字つきの6桁を指定してください。", "Give the 6 digits with the check digit.",
                                 code="check-digit"))


def scaffold(datasets: Path, code: str, slug: str, name: str) -> Path:
    """Create ``datasets/<code>-<slug>/`` with template files; refuse to overwrite."""
    check_code(code)
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,40}", slug):
        raise UsageError(Problem(Location(), "slug は英小文字・数字・ハイフンで書いてください。",
                                 "the slug must be lower-case letters, digits and hyphens.", code="usage"))
    plan_id = f"{code}-{slug}"
    folder = datasets / plan_id
    if folder.exists():
        raise UsageError(Problem(Location(folder), "このフォルダはすでにあります。", "this folder already exists.",
                                 "別の slug を指定してください。", "Choose another slug.", code="exists"))
    folder.mkdir(parents=True)
    values = {"header": HEADER, "plan_id": plan_id, "code": code, "name": name}
    (folder / "plan.yaml").write_text(PLAN.format(**values), encoding="utf-8")
    (folder / "elements.yaml").write_text(ELEMENTS.format(**values), encoding="utf-8")
    (folder / "indicators.yaml").write_text(INDICATORS.format(**values), encoding="utf-8")
    return folder
