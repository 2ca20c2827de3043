"""Fiscal years (年度) and local government codes, as DESIGN.md fixes them."""

from __future__ import annotations

import doctest
import os
import subprocess
import sys
from pathlib import Path

import pytest

import publisher.fiscal
import publisher.formats
from publisher.fiscal import FiscalYearError, check_digit, code_is_valid, parse_fiscal

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("text", "fiscal_year"), [
    ("R2年度", 2020), ("R 2年度", 2020), ("令和14年度", 2032), ("令和14年", 2032), ("H29", 2017),
    ("R元年度", 2019), ("令和元年度", 2019), ("平成31年度", 2019), ("昭和64年", 1989),
    ("令和４年１２月", 2022), ("令和5年2月", 2022), ("R8. 5月14日", 2026), ("R10. 1月中旬頃", 2027),
    ("2025年度", 2025), ("２０２５年度", 2025), (2025, 2025), (" R 7 年度 ", 2025),
])
def test_fiscal_years(text, fiscal_year):
    assert parse_fiscal(text).fiscal_year == fiscal_year


def test_exact_dates_and_months():
    assert parse_fiscal("R8. 5月14日").date == "2026-05-14"
    assert parse_fiscal("R9. 6月下旬頃").date is None
    assert parse_fiscal("R9. 6月下旬頃").gyearmonth == "2027-06"


@pytest.mark.parametrize("text", ["R0", "令和0年度", "令和99年度", "平成32年", "昭和65年", "約70%",
                                  "R2年度x", "令和4年13月", "R8. 2月30日", "1850年度", "", True])
def test_impossible_fiscal_years_are_refused_in_both_languages(text):
    with pytest.raises(FiscalYearError) as err:
        parse_fiscal(text)
    assert err.value.ja and err.value.en


@pytest.mark.parametrize(("code", "valid"), [
    ("152021", True), ("202207", True), ("422011", True), ("022012", True), ("202151", True),
    ("011002", True), ("131016", True), ("152022", False), ("422012", False), ("42201", False),
    ("４２２０１１", False), ("4220111", False),
])
def test_local_government_code_check_digit(code, valid):
    assert code_is_valid(code) is valid


def test_check_digit_of_every_remainder():
    # remainder 0 → 1 and remainder 1 → 0: the two cases a naive 11 - r gets wrong
    assert check_digit("42201") == 1  # 6·4+5·2+4·2+3·0+2·1 = 44, 44 mod 11 = 0
    assert check_digit("20220") == 7


@pytest.mark.parametrize("module", [publisher.fiscal, publisher.formats])
def test_docstring_examples_run(module):
    failures, tried = doctest.testmod(module)
    assert tried > 0 and failures == 0


def test_new_scaffolds_a_plan_that_validates(tmp_path):
    env = {**os.environ, "CI": "1"}
    base = [sys.executable, "-m", "publisher", "--datasets", str(tmp_path / "datasets"),
            "--cache-dir", str(tmp_path / "cache")]
    made = subprocess.run([*base, "new", "131016", "chiyoda-2030", "--name", "千代田区"], cwd=ROOT,
                          env=env, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    folder = tmp_path / "datasets" / "131016-chiyoda-2030"
    assert (folder / "plan.yaml").is_file()
    checked = subprocess.run([*base, "validate", str(folder)], cwd=ROOT, env=env,
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    again = subprocess.run([*base, "new", "131016", "chiyoda-2030"], cwd=ROOT, env=env,
                           capture_output=True, text=True)
    assert again.returncode == 2 and "Traceback" not in again.stderr
    wrong = subprocess.run([*base, "new", "131017"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert wrong.returncode == 2 and "131016" in wrong.stderr
