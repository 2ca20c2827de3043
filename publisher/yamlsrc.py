"""Safe YAML reading that remembers where every value came from.

PyYAML's composer builds a node tree with line and column marks without constructing any
Python object; we turn that tree into plain data (dict, list, str, int, float, bool, None)
ourselves, so no YAML tag can construct an object, duplicate keys are caught, and every
value's JSON path maps to its line and column for error messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Location, Problem, SourceError

try:  # libyaml is much faster when present
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MAX_NODES = 500_000
_STD = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_STD + t for t in ("str", "int", "float", "bool", "null", "timestamp")}


@dataclass
class Document:
    """The data of one YAML file and the (line, column) of every JSON path in it."""

    file: Path
    data: Any
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)

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


def read_yaml(file: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read one YAML file safely; raise SourceError with file, line and column on any problem."""
    try:
        size = file.stat().st_size
    except OSError as exc:
        raise SourceError(Problem(Location(file), f"ファイルを読めません: {exc.strerror}",
                                  f"cannot read the file: {exc.strerror}", code="unreadable")) from None
    if size > max_bytes:
        raise SourceError(Problem(
            Location(file),
            f"ファイルが大きすぎます（{size:,} バイト、上限 {max_bytes:,} バイト）。",
            f"the file is too large ({size:,} bytes; the limit is {max_bytes:,} bytes).",
            "計画を複数のYAMLファイルに分けてください（上限は --max-file-size で変更できます）。",
            "Split the plan into several YAML files (the limit is set by --max-file-size).",
            code="too-large"))
    raw = file.read_bytes()
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
    except yaml.YAMLError as exc:  # e.g. a reader error on control characters
        raise SourceError(Problem(Location(file), f"YAML を読めません: {exc}",
                                  f"cannot read the YAML: {exc}", code="yaml-syntax")) from None
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
    return _Loader("").construct_object(node)


def _tag_error(doc: Document, node: yaml.Node, path: str) -> SourceError:
    return SourceError(_problem(
        doc.file, node.start_mark, path, f"YAML タグ {node.tag} は使えません。",
        f"the YAML tag {node.tag} is not allowed.",
        "タグ（! で始まる記法）を削除して、ふつうの値として書いてください。",
        "Remove the tag (the part starting with !) and write a plain value.", "yaml-tag"))
