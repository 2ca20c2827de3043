"""What the endpoint reads from a query's text without parsing it.

A SPARQL tokenizer (a regular expression, no recursion) gives the bare keywords, the nesting
depth, the query form, whether the query names its own dataset (``FROM``), and the prefixes it
declares and uses. It runs in the server process on every /sparql request, before any parser
sees the query: a parser that recurses (Oxigraph's in Rust, rdflib's in Python) can crash its
process on deep enough nesting, so nesting over the limit never reaches one. (Other long
constructs, such as a chain of ten thousand ``+`` or ``UNION``, can still exhaust a parser's
stack: that happens in a worker process, which dies alone, is logged and is replaced.)

It also turns a parser's terse message into a clear one for the common mistakes (an undeclared
prefix, an IRI that is not one, a triple pattern without its object), keeping the parser's own
words as the detail.

>>> shape = read_shape("PREFIX x: <http://x/> SELECT * FROM <urn:g> FROM NAMED x:h "
...                    "{ ?s x:p [ x:q (1 2) ] }")
>>> (shape.form, shape.depth, shape.names_dataset, sorted(shape.used), sorted(shape.declared))
('select', 3, True, ['x'], ['x'])
>>> shape.from_graphs, shape.from_named, shape.dataset_known
(['urn:g'], ['http://x/h'], True)
>>> read_shape("ASK { ?s ?p '((((' }").depth
1
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_PN = r"[A-Za-z\u00C0-\U000EFFFF][\w\-.\u00B7\u00C0-\U000EFFFF]*+"
_IRI = r"""  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
"""
_TOKENS = rf"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<triple><<|>>)
{{iri}}  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*+'''
              | \"\"\"(?:[^"\\]|\\.|"(?!""))*+\"\"\"
              | '(?:[^'\\\n\r]|\\.)*+'?
              | "(?:[^"\\\n\r]|\\.)*+"?)
  | (?P<var>[?$][\w\u00B7\u00C0-\U000EFFFF]++)
  | (?P<bnode>_:[\w\-.\u00B7\u00C0-\U000EFFFF]*+)
  | (?P<pname>(?:{_PN})?:(?:[\w\-.:%\u00B7\u00C0-\U000EFFFF]|\\.)*+)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*+(?![\w\-.\u00B7\u00C0-\U000EFFFF]))
  | (?P<name>[\w\u00C0-\U000EFFFF][\w\-.\u00B7\u00C0-\U000EFFFF]*+)
  | (?P<other>.)
"""
# Two readings of "<": the start of an IRI (what it is in a term), or the less-than operator
# (what it is in an expression, where "?a<0)SERVICE#>" is no IRI). A regular expression
# cannot know which: SERVICE counts if either reading finds it. Depth and FROM come from the
# IRI reading; a query can mislead it, but not past MAX_BRACKETS, which counts every bracket
# in the text whatever reading.
_TOKEN = re.compile(_TOKENS.replace("{iri}", _IRI), re.VERBOSE | re.DOTALL)
_TOKEN_LT = re.compile(_TOKENS.replace("{iri}", ""), re.VERBOSE | re.DOTALL)
_BRACKET = re.compile(r"[({\[]|<<")
_OPEN, _CLOSE = ("(", "{", "[", "<<"), (")", "}", "]", ">>")
MAX_BRACKETS = 10_000  # opening brackets in all, wherever they stand: a bound on any parser's nesting
_FORMS = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "graph", "DESCRIBE": "graph"}
_TERMS = {"iri", "string", "var", "bnode", "pname", "name"}


def unescape_codepoints(text: str) -> str:
    r"""Apply SPARQL's ``\uXXXX`` / ``\UXXXXXXXX`` escapes everywhere (the spec allows them
    anywhere in a query; we undo them before looking for keywords, whatever a parser does)."""
    def sub(m: re.Match) -> str:
        try:
            return chr(int(m.group(1) or m.group(2), 16))
        except ValueError:
            return m.group(0)
    return _ESCAPE.sub(sub, text)


def tokens(query: str, less_than: bool = False) -> Iterator[tuple[str, str, int]]:
    """(kind, text, offset) of every token but white space and comments, after the escapes;
    ``less_than``: read every "<" as the operator, never as the start of an IRI."""
    for m in (_TOKEN_LT if less_than else _TOKEN).finditer(unescape_codepoints(query)):
        if m.lastgroup not in ("ws", "comment"):
            yield m.lastgroup or "other", m.group(), m.start()


def keywords(query: str) -> set[str]:
    """The bare words of a query (keywords), upper-cased, skipping strings, IRIs, comments,
    variables and prefixed names. Under the less-than reading of "<" the text of IRIs falls
    apart into words, so there a SERVICE counts only where a SERVICE clause could start (before
    SILENT, a variable, an IRI or a prefixed name): the parser could read it so.

    >>> sorted(keywords("SELECT ?x { <urn:SELECT> ?p 'WHERE' } LIMIT 1"))
    ['LIMIT', 'SELECT']
    >>> "SERVICE" in keywords("SELECT * { FILTER(?a<0)SERVICE#>\\n<http://x/> { ?s ?p ?o } }")
    True
    >>> "SERVICE" in keywords("SELECT * { <http://x.example/service/1> ?p ?o }")
    False
    """
    words = {text.upper() for kind, text, _ in tokens(query) if kind == "word"}
    seen = list(tokens(query, less_than=True))
    for (kind, text, _), (next_kind, next_text, _) in zip(seen, seen[1:], strict=False):
        if kind == "word" and text.upper() == "SERVICE" and _starts_service(next_kind, next_text):
            words.add("SERVICE")
    return words


def _starts_service(kind: str, text: str) -> bool:
    """Can this token follow SERVICE in a SERVICE clause (SILENT, a variable, an IRI, a
    prefixed name)?"""
    return kind in ("var", "pname") or text == "<" or text.upper() == "SILENT"


@dataclass
class Shape:
    """What the tokenizer saw: see the module's docstring."""

    depth: int = 0  # deepest nesting of (), {} and []
    deep_at: int | None = None  # offset where the nesting first went over the limit asked for
    too_many_brackets: bool = False  # deep_at is where the text's brackets passed MAX_BRACKETS
    form: str | None = None  # select, ask or graph (CONSTRUCT, DESCRIBE)
    names_dataset: bool = False  # FROM or FROM NAMED
    service: bool = False  # the SERVICE keyword, as either reading of "<" could give it
    from_graphs: list[str] = field(default_factory=list)  # IRIs of FROM, as far as known
    from_named: list[str] = field(default_factory=list)  # IRIs of FROM NAMED
    dataset_known: bool = True  # every FROM target was an absolute IRI or a declared prefix
    declared: set[str] = field(default_factory=set)  # prefixes of PREFIX declarations
    used: dict[str, int] = field(default_factory=dict)  # prefix → offset of its first use


def read_shape(query: str, max_depth: int | None = None) -> Shape:
    """The :class:`Shape` of ``query``. SERVICE is looked for under both readings of "<";
    the rest comes from the IRI reading. With ``max_depth``, ``deep_at`` is set (and reading
    stops) where the nesting exceeds it, or where the text's opening brackets in all exceed
    :data:`MAX_BRACKETS`."""
    shape = Shape()
    text_ = unescape_codepoints(query)
    if max_depth is not None:
        count = 0
        for m in _BRACKET.finditer(text_):
            count += 1
            if count > MAX_BRACKETS:
                shape.deep_at, shape.too_many_brackets = m.start(), True
                return shape
    previous = ("", "")
    for kind, text, _ in tokens(query, less_than=True):
        if previous[0] == "word" and previous[1].upper() == "SERVICE" and _starts_service(kind, text):
            shape.service = True
        previous = (kind, text)
    depth, after_prefix, in_where = 0, False, False
    prefixes: dict[str, str] = {}
    pending: str | None = None  # the prefix just declared, or FROM / NAMED awaiting its IRI
    for kind, text, offset in tokens(query):
        if pending is not None and kind in ("iri", "pname"):
            _dataset_or_prefix(shape, prefixes, pending, kind, text)
            pending = None
            continue
        if not (kind == "word" and text.upper() == "NAMED" and pending == "FROM"):
            pending = None
        if kind in ("other", "triple") and text in _OPEN:
            depth += 1
            in_where |= text == "{"
            if depth > shape.depth:
                shape.depth = depth
                if max_depth is not None and depth > max_depth:
                    shape.deep_at = offset
                    return shape
        elif kind in ("other", "triple") and text in _CLOSE:
            depth = max(0, depth - 1)
        elif kind == "word":
            word = text.upper()
            shape.service |= word == "SERVICE"
            if shape.form is None and word in _FORMS:
                shape.form = _FORMS[word]
            if word == "FROM" and not in_where:  # the dataset clause comes before the WHERE
                shape.names_dataset = True
            if word in ("FROM", "NAMED"):
                pending = "FROM" if word == "FROM" else "NAMED"
        elif kind == "pname":
            prefix = text.split(":", 1)[0]
            if after_prefix:
                shape.declared.add(prefix)
                pending = "PREFIX " + prefix
            else:
                shape.used.setdefault(prefix, offset)
        after_prefix = kind == "word" and text.upper() == "PREFIX"
    return shape


def _dataset_or_prefix(shape: Shape, prefixes: dict[str, str], pending: str, kind: str,
                       text: str) -> None:
    """Record a prefix's IRI, or the IRI of a FROM (NAMED) clause."""
    if pending.startswith("PREFIX "):
        if kind == "iri":
            prefixes[pending[7:]] = text[1:-1]
        return
    if kind == "iri":
        iri = text[1:-1]
    else:
        prefix, _, local = text.partition(":")
        iri = prefixes[prefix] + local if prefix in prefixes else ""
    if ":" not in iri or "\\" in iri:  # relative to a BASE, or escapes: left to the parser
        shape.dataset_known = False
        return
    (shape.from_named if pending == "NAMED" else shape.from_graphs).append(iri)


def position(query: str, offset: int) -> tuple[int, int]:
    """(line, column), 1-based, of a character offset of the unescaped query."""
    text = unescape_codepoints(query)[:offset]
    return text.count("\n") + 1, offset - (text.rfind("\n") + 1) + 1


_AT = re.compile(r"error at (\d+):(\d+)|\(line:(\d+), col:(\d+)\)")


@dataclass(frozen=True)
class Explained:
    """A syntax error in the user's terms: where, what is wrong (en, ja), the parser's words."""

    line: int | None
    column: int | None
    en: str
    ja: str
    detail: str

    def message(self) -> tuple[str, str]:
        where_en = f" at line {self.line}, column {self.column}" if self.line else ""
        where_ja = f"（{self.line} 行 {self.column} 文字目）" if self.line else ""
        return (f"SPARQL syntax error{where_en}: {self.en} (parser: {self.detail})",
                f"SPARQL の構文エラー{where_ja}: {self.ja}（パーサー: {self.detail}）")


def explain(query: str, parser_message: str) -> Explained:
    """The clearest account we can give of a syntax error that a parser reported."""
    detail = parser_message.strip()
    shape = read_shape(query)
    undeclared = sorted((offset, p) for p, offset in shape.used.items() if p not in shape.declared)
    if undeclared:
        offset, prefix = undeclared[0]
        line, col = position(query, offset)
        return Explained(line, col, f"the prefix {prefix}: is not declared; add "
                         f"PREFIX {prefix}: <…> before the query",
                         f"接頭辞 {prefix}: が宣言されていません。クエリの前に "
                         f"PREFIX {prefix}: <…> を書いてください", detail)
    m = _AT.search(detail)  # Oxigraph's "error at L:C", or rdflib's "(line:L, col:C)"
    line, col = (int(m[1] or m[3]), int(m[2] or m[4])) if m else (None, None)
    if "IRI" in detail and "expected" in detail:
        return Explained(line, col, "this is not a valid IRI; write IRIs as <http://…> with no "
                         "spaces or quotes inside the angle brackets",
                         "IRI として正しくありません。IRI は <http://…> の形で、山かっこの中に空白や"
                         "引用符を入れずに書いてください", detail)
    if line is not None and col is not None and _missing_object(query, line, col):
        return Explained(line, col, "a triple pattern has no object; write subject, predicate "
                         "and object (e.g. ?s ?p ?o .)",
                         "トリプルパターンに目的語がありません。主語・述語・目的語の 3 つを書いて"
                         "ください（例: ?s ?p ?o .）", detail)
    return Explained(line, col, "check the query near this point (the examples on /query show "
                     "the syntax)", "この位置の付近を確認してください（/query の例が参考になります）",
                     detail)


def _missing_object(query: str, line: int, col: int) -> bool:
    """Does the error follow the end of a pattern that has a subject and a predicate only?
    (Oxigraph points just after the token it could not take.)"""
    lines = unescape_codepoints(query).split("\n")
    if line > len(lines):
        return False
    offset = sum(len(x) + 1 for x in lines[: line - 1]) + col - 1
    run, last = 0, "{"  # terms since the last { . or ; (after ; a predicate and object are due)
    ends = False
    for kind, text, at in tokens(query):
        if at >= offset:
            break
        ends = text in (".", "}", ";", ",") and run == (2 if last in "{.}" else 1)
        if kind in _TERMS or (kind == "word" and text == "a"):
            run += 1
        elif text in ("{", ".", "}", ";"):
            run, last = 0, text
        else:
            run = -99  # anything else (FILTER, a path, a function): not a simple pattern
    return ends
