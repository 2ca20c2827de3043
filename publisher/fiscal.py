"""Japanese fiscal years (年度) and local government codes (全国地方公共団体コード).

A 年度 starts on 1 April, so 令和2年度 runs from April 2020 to March 2021 and is stored as
the Gregorian start year 2020 (``xsd:gYear``). Eras: 令和 (R) from 2019, 平成 (H) from 1989,
昭和 (S) from 1926; 元年 is year 1. Full-width digits and stray spaces are accepted.

>>> parse_fiscal("R 2年度").fiscal_year
2020
>>> parse_fiscal("令和４年１２月").fiscal_year, parse_fiscal("令和５年２月").fiscal_year
(2022, 2022)
>>> parse_fiscal("R元年度").fiscal_year, parse_fiscal("H29").fiscal_year
(2019, 2017)
>>> check_digit("42201")
1
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

ERAS = {
    # name: (first Gregorian year, last era year)
    "令和": (2019, 82),  # up to 2100: plans do not look further
    "平成": (1989, 31),
    "昭和": (1926, 64),
}
ERA_LETTERS = {"R": "令和", "H": "平成", "S": "昭和"}
MIN_YEAR, MAX_YEAR = 1900, 2100

_PATTERN = re.compile(
    r"""^(?:(?P<era>令和|平成|昭和|R|H|S)(?P<eyear>\d+|元)|(?P<gyear>\d{4}))
        (?:年度?|\.|/)?
        (?:(?P<month>\d{1,2})月?(?:(?P<day>\d{1,2})日)?)?
        (?P<rest>.*)$""",
    re.VERBOSE,
)


class FiscalYearError(ValueError):
    """A text that is not a fiscal year or date we can read; carries ja and en messages."""

    def __init__(self, text: str, en: str, ja: str):
        self.text, self.en, self.ja = text, en, ja
        super().__init__(en)


@dataclass(frozen=True)
class FiscalDate:
    """A fiscal year read from text, with the calendar date parts the text gives."""

    text: str
    fiscal_year: int
    year: int
    month: int | None = None
    day: int | None = None
    approximate: bool = False  # 頃, 下旬, 中旬, 上旬 …

    @property
    def gyearmonth(self) -> str | None:
        return f"{self.year:04d}-{self.month:02d}" if self.month else None

    @property
    def date(self) -> str | None:
        if self.month and self.day and not self.approximate:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        return None


def normalise(text: str) -> str:
    """NFKC (full-width digits and letters to ASCII) and no whitespace at all."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def parse_fiscal(value: str | int) -> FiscalDate:
    """Read a fiscal year or date as written in a plan; raise FiscalYearError if impossible."""
    if isinstance(value, bool):
        raise FiscalYearError(str(value), "not a fiscal year", "年度ではありません")
    if isinstance(value, int):
        text = str(value)
    else:
        text = value
    flat = normalise(text)
    match = _PATTERN.match(flat)
    if not match:
        raise FiscalYearError(
            text,
            f"cannot read {text!r} as a fiscal year; write e.g. R2年度, 令和14年度, H29 or 2025年度",
            f"「{text}」を年度として読めません。R2年度、令和14年度、H29、2025年度 のように書いてください",
        )
    rest = match["rest"]
    if rest and not re.fullmatch(r"(?:上旬|中旬|下旬|頃|ごろ|末|初め)+", rest):
        raise FiscalYearError(
            text,
            f"unexpected text {rest!r} after the date in {text!r}",
            f"「{text}」の日付の後に読めない文字「{rest}」があります",
        )
    if match["era"]:
        era = ERA_LETTERS.get(match["era"], match["era"])
        first, last = ERAS[era]
        n = 1 if match["eyear"] == "元" else int(match["eyear"])
        if not 1 <= n <= last:
            raise FiscalYearError(
                text,
                f"{era} has no year {n} ({text!r}); era years start at 1 (元年) and {era} ends at {last}",
                f"{era}{n}年は存在しません（「{text}」）。元年＝1年で、{era}は{last}年までです",
            )
        year = first + n - 1
    else:
        year = int(match["gyear"])
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise FiscalYearError(
            text,
            f"year {year} in {text!r} is outside {MIN_YEAR}–{MAX_YEAR}",
            f"「{text}」の年 {year} は {MIN_YEAR}〜{MAX_YEAR} の範囲外です",
        )
    month = int(match["month"]) if match["month"] else None
    day = int(match["day"]) if match["day"] else None
    if month is not None and not 1 <= month <= 12:
        raise FiscalYearError(text, f"no month {month} in {text!r}", f"「{text}」の {month} 月は存在しません")
    if day is not None:
        import calendar

        assert month is not None
        if not 1 <= day <= calendar.monthrange(year, month)[1]:
            raise FiscalYearError(text, f"no day {day} in {text!r}", f"「{text}」の {day} 日は存在しません")
    fiscal_year = year - 1 if month is not None and month < 4 else year
    return FiscalDate(text, fiscal_year, year, month, day, approximate=bool(rest))


def check_digit(first5: str) -> int:
    """Check digit of a 全国地方公共団体コード from its first five digits."""
    total = sum(int(d) * w for d, w in zip(first5, (6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10


def code_is_valid(code: str) -> bool:
    """True if ``code`` is six ASCII digits whose last digit is the right check digit."""
    return bool(re.fullmatch(r"[0-9]{6}", code)) and check_digit(code[:5]) == int(code[5])
