"""SCIM filters (RFC 7644 §3.4.2.2), the subset Sreda answers: `eq`, `co`, `sw`, joined by `and` / `or`,
with parentheses. Anything else is a 400 invalidFilter with a Russian detail that says what is supported.

`parse_filter` gives a small tree; `to_q` turns it into a Django Q through a table of attribute →
lookup builders that the caller (users or groups) provides.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q

OPERATORS = ("eq", "co", "sw")
SUPPORTED = "Поддерживаются операторы eq, co, sw и связки and, or со скобками."


class FilterError(ValueError):
    """A filter Sreda cannot answer; the message is the SCIM `detail`."""


@dataclass(frozen=True)
class Comparison:
    attribute: str
    operator: str
    value: object


@dataclass(frozen=True)
class Logical:
    operator: str  # "and" | "or"
    left: object
    right: object


_TOKEN = re.compile(r"""\s*(?:(?P<lp>\()|(?P<rp>\))|(?P<str>"(?:[^"\\]|\\.)*")|(?P<word>[^\s()"]+))""")


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise FilterError(f"Не удалось разобрать фильтр около «{text[pos:pos + 20]}». {SUPPORTED}")
        pos = match.end()
        kind = match.lastgroup
        out.append((kind, match.group(kind)))
    return out


class _Parser:
    def __init__(self, text: str):
        if len(text) > 1000:
            raise FilterError("Фильтр длиннее 1000 символов.")
        self.tokens = _tokens(text)
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise FilterError(f"Фильтр оборвался. {SUPPORTED}")
        self.pos += 1
        return token

    def parse(self):
        node = self.expression()
        if self.peek() is not None:
            raise FilterError(f"Лишнее в фильтре: «{self.peek()[1]}». {SUPPORTED}")
        return node

    def expression(self):  # or-joined
        node = self.conjunction()
        while self._keyword("or"):
            node = Logical("or", node, self.conjunction())
        return node

    def conjunction(self):
        node = self.atom()
        while self._keyword("and"):
            node = Logical("and", node, self.atom())
        return node

    def _keyword(self, word: str) -> bool:
        token = self.peek()
        if token is not None and token[0] == "word" and token[1].lower() == word:
            self.pos += 1
            return True
        return False

    def atom(self):
        kind, text = self.take()
        if kind == "lp":
            node = self.expression()
            if self.take()[0] != "rp":
                raise FilterError("В фильтре не закрыта скобка.")
            return node
        if kind != "word":
            raise FilterError(f"Ожидалось имя атрибута, а не «{text}». {SUPPORTED}")
        if text.lower() == "not" or "[" in text:
            raise FilterError(f"«{text}» в фильтре не поддерживается. {SUPPORTED}")
        kind_op, operator = self.take()
        operator = operator.lower()
        if kind_op != "word" or operator not in OPERATORS:
            raise FilterError(f"Оператор «{operator}» не поддерживается. {SUPPORTED}")
        return Comparison(text, operator, self.value())

    def value(self):
        kind, text = self.take()
        if kind == "str":
            try:
                return json.loads(text)
            except ValueError:
                raise FilterError(f"Неверная строка в фильтре: {text}.") from None
        lowered = text.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        if lowered == "null":
            return None
        if re.fullmatch(r"-?\d+", text):
            return int(text)
        raise FilterError(f"Значение «{text}» нужно взять в двойные кавычки.")


def parse_filter(text: str):
    return _Parser(text).parse()


Builder = Callable[[str, object], Q]


def to_q(node, attributes: dict[str, Builder]) -> Q:
    """The tree as a Q; attribute names are case-insensitive and may carry the core schema URN."""
    if isinstance(node, Logical):
        left, right = to_q(node.left, attributes), to_q(node.right, attributes)
        return left & right if node.operator == "and" else left | right
    name = node.attribute
    lowered = {key.lower(): builder for key, builder in attributes.items()}
    key = name.lower()
    if key.startswith("urn:"):
        key = key.rsplit(":", 1)[-1]
    builder = lowered.get(key)
    if builder is None:
        raise FilterError(
            f"Фильтр по атрибуту «{name}» не поддерживается; можно по: {', '.join(attributes)}.")
    return builder(node.operator, node.value)


def text_lookup(field: str, *, case_exact: bool = False) -> Builder:
    """eq / co / sw on a text column."""
    suffix = {"eq": "exact", "co": "contains", "sw": "startswith"}

    def build(operator: str, value) -> Q:
        if not isinstance(value, str):
            raise FilterError(f"Для «{field}» значение должно быть строкой в кавычках.")
        lookup = suffix[operator] if case_exact else "i" + suffix[operator]
        return Q(**{f"{field}__{lookup}": value})

    return build
