"""Safe YAML reading that remembers where every value came from.

PyYAML's composer builds a node tree with line and column marks without constructing any
Python object; we turn that tree into plain data (dict, list, str, int, float, bool, None)
ourselves, so no YAML tag can construct an object, duplicate keys are caught, and every
value's JSON path maps to its line and column for error messages.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Location, Problem, SourceError
from .sources import default_root, read_source

try:  # libyaml is much faster when present
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MAX_NODES = 500_000
MAX_DEPTH = 100
_STD = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_STD + t for t in ("str", "int", "float", "bool", "null", "timestamp")}


@dataclass
class Document:
    """The data of one YAML file and the (line, column) of every JSON path in it."""

    file: Path
    data: Any
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[str, tuple[int, int]] = field(default_factory=dict)

    def locate_key(self, path: str) -> Location:
        """The location of the key of ``path`` (for unknown fields), else of its value."""
        if path in self.key_positions:
            line, col = self.key_positions[path]
            return Location(self.file, line, col, path)
        return self.locate(path)

    def locate(self, path: str) -> Location:
        """The location of ``path``, or of its nearest ancestor that has one."""
        probe = path
        while True:
            if probe in self.positions:
                line, col = self.positions[probe]
                return Location(self.file, line, col, path or "/")
            if not probe:
                return Location(self.file, 1, 1, path or "/")
            probe = probe.rsplit("/", 1)[0]


def _problem(file: Path, mark: Any, path: str, ja: str, en: str, hint_ja: str, hint_en: str,
             code: str) -> Problem:
    line = mark.line + 1 if mark is not None else None
    col = mark.column + 1 if mark is not None else None
    return Problem(Location(file, line, col, path or None), ja, en, hint_ja, hint_en, code)


def read_yaml(file: Path, max_bytes: int = DEFAULT_MAX_BYTES, root: Path | None = None) -> Document:
    """Read one YAML file safely; raise SourceError with file, line and column on any problem.

    The file is read with :func:`sources.read_source`: only a regular file inside ``root``
    (default: the folder holding the plan folder), and at most ``max_bytes`` of it.
    """
    return parse_yaml(file, read_source(file, root or default_root(file.parent), max_bytes))


def parse_yaml(file: Path, raw: bytes) -> Document:
    """The document of the bytes of one YAML file; raise SourceError with file, line and
    column on any problem."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SourceError(Problem(
            Location(file, line, col),
            f"UTF-8 ではないバイト列があります（0x{raw[exc.start]:02x}）。",
            f"the file is not valid UTF-8 (byte 0x{raw[exc.start]:02x}).",
            "ファイルを UTF-8 で保存し直してください（Shift_JIS などは使えません）。",
            "Save the file as UTF-8 (Shift_JIS and other encodings are not accepted).",
            code="encoding")) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        raise SourceError(Problem(
            Location(file, 1, 1), "ファイルが空です。", "the file is empty.",
            "削除するか、plan: や elements: などの内容を書いてください。",
            "Delete it, or write its content (plan:, elements:, …).", code="empty"))
    try:
        _check_shape(file, text)
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "syntax error"
        raise SourceError(_problem(
            file, mark, "", f"YAML の書き方に誤りがあります: {what}",
            f"YAML syntax error: {what}",
            "この行と直前の行のインデント、コロン、引用符を確認してください。",
            "Check the indentation, colons and quotes on this line and the one before.",
            "yaml-syntax")) from None
    except yaml.reader.ReaderError as exc:  # a control character or similar
        raise SourceError(_reader_problem(file, text, exc)) from None
    doc = Document(file, None)
    counter = [0]
    doc.data = _build(node, "", doc, counter)
    return doc


def _build(node: yaml.Node, path: str, doc: Document, counter: list[int]) -> Any:
    counter[0] += 1
    if counter[0] > MAX_NODES:
        raise SourceError(_problem(
            doc.file, node.start_mark, path, "YAML の要素が多すぎます（アンカーの展開を含む）。",
            "the YAML expands to too many values (anchors included).",
            "アンカーとエイリアス（& と *）を使わずに書いてください。",
            "Write the content without anchors and aliases (& and *).", "too-many-nodes"))
    doc.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    tag = node.tag or ""
    if isinstance(node, yaml.MappingNode):
        if tag != _STD + "map":
            raise _tag_error(doc, node, path)
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _STD + "merge":
                raise SourceError(_problem(
                    doc.file, key_node.start_mark, path, "マージキー（<<）は使えません。",
                    "merge keys (<<) are not supported.", "値をそのまま書いてください。",
                    "Write the values out.", "merge-key"))
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STD + "str":
                raise SourceError(_problem(
                    doc.file, key_node.start_mark, path, "キーは文字列でなければなりません。",
                    "mapping keys must be plain strings.", "キーを英字の名前にしてください。",
                    "Use a field name such as id or title as the key.", "bad-key"))
            key = key_node.value
            child = f"{path}/{key}"
            doc.key_positions[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in out:
                raise SourceError(_problem(
                    doc.file, key_node.start_mark, child, f"キー「{key}」が重複しています。",
                    f"duplicate key {key!r}.", "どちらか一方を削除してください。",
                    "Remove one of the two.", "duplicate-key"))
            out[key] = _build(value_node, child, doc, counter)
        return out
    if isinstance(node, yaml.SequenceNode):
        if tag != _STD + "seq":
            raise _tag_error(doc, node, path)
        return [_build(item, f"{path}/{i}", doc, counter) for i, item in enumerate(node.value)]
    if tag not in _SCALAR_TAGS:
        raise _tag_error(doc, node, path)
    if tag in (_STD + "str", _STD + "timestamp"):
        return node.value
    value = _Loader("").construct_object(node)
    if isinstance(value, float) and not math.isfinite(value):
        raise SourceError(_problem(
            doc.file, node.start_mark, path, f"{node.value} は有限の数値ではありません。",
            f"{node.value} is not a finite number.", "ふつうの数値を書いてください。",
            "Write an ordinary number.", "wrong-type"))
    return value


def _too_deep(file: Path, mark: Any) -> SourceError:
    return SourceError(_problem(
        file, mark, "", f"入れ子が深すぎます（{MAX_DEPTH} 段まで）。",
        f"the nesting is too deep (at most {MAX_DEPTH} levels).",
        "構造を浅くしてください。", "Flatten the structure.", "too-deep"))


def _events(file: Path, text: str) -> Iterator[yaml.Event]:
    """yaml.parse, with the scanner's own nesting limit (libyaml 0.2.6, in PyYAML 6.0.4 and
    later, stops at about 1,000 levels while it scans ahead of our count) said as ours."""
    try:
        yield from yaml.parse(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        if "maximum nesting depth" in str(exc.problem or ""):
            raise _too_deep(file, exc.problem_mark) from None
        raise


def _check_shape(file: Path, text: str) -> None:
    """Refuse, before composing, nesting too deep and aliases that expand too much or to
    themselves: the composer would recurse or multiply them without bound."""
    depth = 0
    stack: list[tuple[str | None, int]] = []  # (anchor, size so far) of open collections
    sizes: dict[str, int] = {}
    total = 0
    for event in _events(file, text):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise _too_deep(file, event.start_mark)
            stack.append((event.anchor, 1))
            total += 1
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
            anchor, size = stack.pop()
            if anchor:
                sizes[anchor] = size
            if stack:
                stack[-1] = (stack[-1][0], stack[-1][1] + size)
        elif isinstance(event, yaml.AliasEvent):
            if any(a == event.anchor for a, _ in stack):
                raise SourceError(_problem(
                    file, event.start_mark, "", f"エイリアス *{event.anchor} が自分自身を含んでいます。",
                    f"the alias *{event.anchor} refers to a collection that contains it.",
                    "アンカーとエイリアス（& と *）を使わずに書いてください。",
                    "Write the content without anchors and aliases (& and *).", "recursive-alias"))
            size = sizes.get(event.anchor, 1)
            total += size
            if total > MAX_NODES:
                raise SourceError(_problem(
                    file, event.start_mark, "", "YAML の要素が多すぎます（アンカーの展開を含む）。",
                    "the YAML expands to too many values (anchors included).",
                    "アンカーとエイリアス（& と *）を使わずに書いてください。",
                    "Write the content without anchors and aliases (& and *).", "too-many-nodes"))
            if stack:
                stack[-1] = (stack[-1][0], stack[-1][1] + size)
        elif isinstance(event, yaml.ScalarEvent):
            total += 1
            if event.anchor:
                sizes[event.anchor] = 1
            if stack:
                stack[-1] = (stack[-1][0], stack[-1][1] + 1)


def _reader_problem(file: Path, text: str, exc: yaml.reader.ReaderError) -> Problem:
    raw = text.encode("utf-8")
    position = exc.position if _Loader is not yaml.SafeLoader else len(text[: exc.position].encode())
    before = raw[:position].decode("utf-8", errors="replace")
    line = before.count("\n") + 1
    col = len(before) - (before.rfind("\n") + 1) + 1
    char = exc.character if isinstance(exc.character, str) else chr(exc.character)
    return Problem(Location(file, line, col), f"使えない制御文字 U+{ord(char):04X} があります。",
                   f"the file contains the control character U+{ord(char):04X}, which YAML forbids.",
                   "この文字を削除してください（コピー＆ペーストで混入することがあります）。",
                   "Delete the character (it often comes in by copy and paste).", "control-character")


def _tag_error(doc: Document, node: yaml.Node, path: str) -> SourceError:
    return SourceError(_problem(
        doc.file, node.start_mark, path, f"YAML タグ {node.tag} は使えません。",
        f"the YAML tag {node.tag} is not allowed.",
        "タグ（! で始まる記法）を削除して、ふつうの値として書いてください。",
        "Remove the tag (the part starting with !) and write a plain value.", "yaml-tag"))
