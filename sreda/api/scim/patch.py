"""PATCH (RFC 7644 §3.5.2) applied to a representation.

Users: the operations are applied to the user's current SCIM document, which is then saved like a PUT —
one code path for PUT and PATCH, so both check the same rules. Groups: only `members` changes, turned
into adds and removes for the R13 services.
"""
from __future__ import annotations

import copy
import re

from sreda.api.scim import schemas as s
from sreda.api.scim.filters import Comparison, FilterError, Logical, parse_filter
from sreda.api.scim.mapping import ScimError

KNOWN_URNS = sorted([s.USER, s.GROUP, s.ENTERPRISE, s.SREDA], key=len, reverse=True)
_PATH = re.compile(r"^(?P<attr>[A-Za-z$][\w$-]*)(?:\[(?P<filter>[^\]]*)\])?(?:\.(?P<sub>[A-Za-z$][\w$-]*))?$")


def operations(body) -> list[dict]:
    if not isinstance(body, dict) or s.PATCH not in (body.get("schemas") or []):
        raise ScimError(400, f"Тело PATCH должно быть PatchOp со схемой {s.PATCH}.", "invalidSyntax")
    ops = body.get("Operations", body.get("operations"))
    if not isinstance(ops, list) or not ops:
        raise ScimError(400, "В PATCH нет операций (Operations).", "invalidSyntax")
    out = []
    for op in ops:
        if not isinstance(op, dict):
            raise ScimError(400, "Каждая операция PATCH — объект с op, path, value.", "invalidSyntax")
        kind = str(op.get("op", "")).lower()
        if kind not in ("add", "replace", "remove"):
            raise ScimError(400, f"Операция «{op.get('op')}» неизвестна: add, replace или remove.", "invalidSyntax")
        path = op.get("path")
        if path is not None and not isinstance(path, str):
            raise ScimError(400, "path должен быть строкой.", "invalidPath")
        if kind == "remove" and not path:
            raise ScimError(400, "Для remove укажите path.", "noTarget")
        if kind != "remove" and "value" not in op:
            raise ScimError(400, f"Для {kind} укажите value.", "invalidValue")
        out.append({"op": kind, "path": path or None, "value": op.get("value")})
    return out


def _key(container: dict, name: str) -> str:
    """The key as the document spells it (attribute names are case-insensitive)."""
    for key in container:
        if key.lower() == name.lower():
            return key
    return name


def _split(path: str) -> tuple[str | None, str | None]:
    """(schema URN or None, attribute path or None for the whole extension)."""
    for urn in KNOWN_URNS:
        if path.lower() == urn.lower():
            return urn, None
        if path.lower().startswith(urn.lower() + ":"):
            return urn, path[len(urn) + 1:]
    if path.lower().startswith("urn:"):
        raise ScimError(400, f"Схема в пути «{path}» неизвестна.", "invalidPath")
    return None, path


def _matches(node, item) -> bool:
    if isinstance(node, Logical):
        left, right = _matches(node.left, item), _matches(node.right, item)
        return (left and right) if node.operator == "and" else (left or right)
    if not isinstance(item, dict):
        return False
    actual = item.get(_key(item, node.attribute))
    wanted = node.value
    if isinstance(actual, str) and isinstance(wanted, str):
        actual, wanted = actual.lower(), wanted.lower()
    if node.operator == "eq":
        return actual == wanted
    if not isinstance(actual, str) or not isinstance(wanted, str):
        return False
    return wanted in actual if node.operator == "co" else actual.startswith(wanted)


def _merge(target: dict, values: dict, op: str) -> None:
    for name, value in values.items():
        if name.lower().startswith("urn:"):
            urn, rest = _split(name)
            if rest is None and isinstance(value, dict):
                _merge(target.setdefault(_key(target, urn), {}), value, op)
                continue
        key = _key(target, name)
        current = target.get(key)
        if op == "add" and isinstance(current, list) and isinstance(value, list):
            target[key] = current + [v for v in value if v not in current]
        elif isinstance(current, dict) and isinstance(value, dict):
            current.update({_key(current, k): v for k, v in value.items()})
        else:
            target[key] = value


def apply(document: dict, ops: list[dict]) -> dict:
    """The document after the operations; raises ScimError(400, invalidPath / noTarget) on a bad path."""
    doc = copy.deepcopy(document)
    for op in ops:
        kind, path, value = op["op"], op["path"], op["value"]
        if path is None:
            if not isinstance(value, dict):
                raise ScimError(400, "Без path значение операции должно быть объектом атрибутов.", "invalidValue")
            _merge(doc, value, kind)
            continue
        urn, rest = _split(path)
        container = doc if urn in (None, s.USER, s.GROUP) else doc.setdefault(_key(doc, urn), {})
        if rest is None:  # the whole extension
            if kind == "remove":
                doc.pop(_key(doc, urn), None)
            elif isinstance(value, dict):
                _merge(container, value, kind)
            else:
                raise ScimError(400, f"Значение для «{path}» должно быть объектом.", "invalidValue")
            continue
        match = _PATH.match(rest)
        if match is None:
            raise ScimError(400, f"Путь «{path}» не разобран.", "invalidPath")
        attr, text, sub = match.group("attr"), match.group("filter"), match.group("sub")
        key = _key(container, attr)
        if text is not None:
            try:
                node = parse_filter(text)
            except FilterError as exc:
                raise ScimError(400, str(exc), "invalidFilter") from None
            if not isinstance(node, (Comparison, Logical)):
                raise ScimError(400, f"Путь «{path}» не разобран.", "invalidPath")
            items = container.get(key) or []
            chosen = [item for item in items if _matches(node, item)]
            if not chosen:
                if kind == "remove":
                    continue
                raise ScimError(400, f"Ни одно значение «{attr}» не подходит под «{text}».", "noTarget")
            for item in chosen:
                if kind == "remove":
                    if sub:
                        item.pop(_key(item, sub), None)
                    else:
                        items.remove(item)
                elif sub:
                    item[_key(item, sub)] = value
                elif isinstance(value, dict):
                    item.update(value)
            container[key] = items
            continue
        if sub:
            parent = container.setdefault(key, {})
            if isinstance(parent, list):
                if kind == "remove":
                    for item in parent:
                        if isinstance(item, dict):
                            item.pop(_key(item, sub), None)
                else:
                    for item in parent or [{}]:
                        item[_key(item, sub)] = value
                    container[key] = parent or [{sub: value}]
                continue
            if kind == "remove":
                parent.pop(_key(parent, sub), None)
            else:
                parent[_key(parent, sub)] = value
            continue
        if kind == "remove":
            if isinstance(container.get(key), list) and isinstance(value, list):
                keep = [item for item in container[key] if not any(_same(item, v) for v in value)]
                container[key] = keep
            else:
                container.pop(key, None)
        elif kind == "add" and isinstance(container.get(key), list):
            extra = value if isinstance(value, list) else [value]
            container[key] = container[key] + [v for v in extra if v not in container[key]]
        elif kind == "replace" and isinstance(container.get(key), dict) and isinstance(value, dict):
            container[key] = {**container[key], **value}
        else:
            container[key] = value
    return doc


def _same(item, value) -> bool:
    if isinstance(item, dict) and isinstance(value, dict):
        return str(item.get("value")) == str(value.get("value"))
    return item == value


def group_member_changes(ops: list[dict], current: list[str]) -> tuple[list[str], list[str]]:
    """(ids to add, ids to remove) of a Groups PATCH; anything but `members` is refused."""
    add: list[str] = []
    remove: list[str] = []
    members = list(current)
    for op in ops:
        kind, path, value = op["op"], op["path"], op["value"]
        if path is None:
            keys = {k.lower() for k in (value or {})} if isinstance(value, dict) else {"?"}
            if keys - {"members"}:
                raise ScimError(400, "Через SCIM у группы меняется только состав (members): название и код группы "
                                     "общие для всех школ (R13).", "mutability")
            path, value = "members", value.get(_key(value, "members"))
        _, rest = _split(path)
        match = _PATH.match(rest or "")
        if match is None or match.group("attr").lower() != "members" or match.group("sub"):
            raise ScimError(400, "Через SCIM у группы меняется только состав (members): название и код группы "
                                 "общие для всех школ (R13).", "mutability")
        ids = [str(v.get("value") if isinstance(v, dict) else v) for v in (value if isinstance(value, list) else
                                                                              ([value] if value else []))]
        if match.group("filter") is not None:
            try:
                node = parse_filter(match.group("filter"))
            except FilterError as exc:
                raise ScimError(400, str(exc), "invalidFilter") from None
            chosen = [pk for pk in members if _matches(node, {"value": pk})]
            if kind != "remove":
                raise ScimError(400, "Фильтр в пути members поддерживается только для remove.", "invalidPath")
            ids = chosen
        if kind == "replace":
            ids_set = set(ids)
            remove += [pk for pk in members if pk not in ids_set]
            add += [pk for pk in ids if pk not in members]
            members = list(ids)
        elif kind == "add":
            add += [pk for pk in ids if pk not in members]
            members += [pk for pk in ids if pk not in members]
        else:
            gone = set(ids) if (ids or match.group("filter") is not None) else set(members)
            remove += [pk for pk in members if pk in gone]
            members = [pk for pk in members if pk not in gone]
    final = set(members)
    return [pk for pk in dict.fromkeys(add) if pk in final], [pk for pk in dict.fromkeys(remove) if pk not in final]
