"""Just enough PromQL and exposition-format parsing to check that queries name metrics the server exports.

Not a PromQL parser: it finds vector selectors (``name{label="v"}`` or a bare ``name``), the labels they
match on and the labels of ``by``/``without``/``on``/``ignoring`` clauses, which is all the metric-name
check needs. Grafana variables (``$namespace``, ``$__rate_interval``) and prometheus-adapter templates
(``<<.Series>>``) are left out.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

__all__ = ["Exposition", "Query", "parse_exposition", "parse_query"]

_IDENT = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_STRING = r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\''
_MATCHER = re.compile(rf"({_IDENT})\s*(=~|!~|!=|=)\s*({_STRING})")
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
_SELECTOR = re.compile(rf"(?<![\w$.])({_IDENT})?\s*\{{([^}}]*)\}}")
_BARE = re.compile(rf"(?<![\w$.:])({_IDENT})(?![\w:])(?!\s*[({{])")
_KEYWORDS = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset",
                       "and", "or", "unless", "inf", "nan", "Inf", "NaN"})


@dataclass
class Selector:
    """One vector selector: the metric name and its label matchers as (label, op, value)."""

    metric: str
    matchers: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class Query:
    selectors: list[Selector]
    grouping_labels: set[str]


def parse_query(expr: str) -> Query:
    """The vector selectors and grouping labels of a PromQL expression."""
    text = re.sub(r"<<[^>]*>>", "", expr)
    grouping: set[str] = set()
    for _, labels in _GROUPING.findall(text):
        grouping.update(label.strip() for label in labels.split(",") if label.strip())
    text = _GROUPING.sub(" ", text)
    selectors = []

    def take(match: re.Match[str]) -> str:
        matchers = [(k, op, v[1:-1]) for k, op, v in _MATCHER.findall(match.group(2))]
        name = match.group(1)
        if name is None:
            names = [v for k, op, v in matchers if k == "__name__" and op == "="]
            name = names[0] if names else ""
        if name:
            selectors.append(Selector(name, matchers))
        return " __selector__ "

    text = _SELECTOR.sub(take, text)
    text = re.sub(r"\[[^\]]*\]", " ", text)  # range and subquery durations
    text = re.sub(_STRING, " ", text)
    for match in _BARE.finditer(text):
        name = match.group(1)
        if name not in _KEYWORDS and name != "__selector__":
            selectors.append(Selector(name))
    return Query(selectors, grouping)


@dataclass
class Exposition:
    """What a /metrics page offers to queries: each sample name with the label names seen on it."""

    labels: dict[str, set[str]]
    values: dict[str, dict[str, set[str]]]
    """sample name -> label -> values seen."""

    def __contains__(self, name: str) -> bool:
        return name in self.labels


_SAMPLE = re.compile(rf"^({_IDENT})(?:\{{(.*)\}})?\s+\S+(?:\s+\S+)?$")


def parse_exposition(text: str) -> Exposition:
    """Sample names, label names and label values of a Prometheus text exposition.

    Families announced by ``# TYPE`` without any sample yet (labelled metrics nobody has touched) are
    listed under the sample names their type produces, with no labels.
    """
    labels: dict[str, set[str]] = {}
    values: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    declared: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(maxsplit=3)
            declared[name] = kind
            continue
        if not line or line.startswith("#"):
            continue
        match = _SAMPLE.match(line)
        if match is None:
            raise ValueError(f"unparsable exposition line: {line!r}")
        name, label_text = match.group(1), match.group(2) or ""
        pairs = re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', label_text)
        labels.setdefault(name, set()).update(k for k, _ in pairs)
        for k, v in pairs:
            values[name][k].add(v)
    suffixes = {"counter": ("_total", ""), "histogram": ("_bucket", "_sum", "_count"), "summary": ("_sum", "_count")}
    for family, kind in declared.items():
        for suffix in suffixes.get(kind, ("",)):
            name = family if family.endswith(suffix) and kind == "counter" else family + suffix
            labels.setdefault(name, set())
    return Exposition(labels, {k: dict(v) for k, v in values.items()})
