"""Russian text conventions: search ignores case and treats «ё» as «е»; ФИО sorts the same way; dates are
written 20.11.2025 (or 2025-11-20)."""
from datetime import date, datetime


def fold(value: str | None) -> str:
    """Case- and ё-insensitive form used for search and sort keys."""
    return " ".join((value or "").lower().replace("ё", "е").split())


def full_name(surname: str, name: str, patronymic: str = "") -> str:
    return " ".join(part for part in (surname, name, patronymic) if part)


def short_name(surname: str, name: str, patronymic: str = "") -> str:
    """«Иванова А. П.»"""
    initials = " ".join(f"{part[0]}." for part in (name, patronymic) if part)
    return f"{surname} {initials}".strip()


def plural(n: int, one: str, few: str, many: str) -> str:
    """The Russian plural form for `n`: 1 решение, 2 решения, 5 решений, 21 день, 11 дней."""
    n10, n100 = abs(n) % 10, abs(n) % 100
    if n10 == 1 and n100 != 11:
        return one
    if 2 <= n10 <= 4 and not 12 <= n100 <= 14:
        return few
    return many


def clean_name_parts(surname: str | None, name: str | None, patronymic: str | None,
                     errors: dict[str, list[str]]) -> tuple[str, str, str]:
    """ФИО as typed, with runs of spaces collapsed; problems go into `errors` by field, in Russian."""
    parts = {key: " ".join((value or "").split())
             for key, value in (("surname", surname), ("name", name), ("patronymic", patronymic))}
    if not parts["surname"]:
        errors["surname"] = ["Укажите фамилию."]
    if not parts["name"]:
        errors["name"] = ["Укажите имя."]
    for key, value in parts.items():
        if len(value) > 100:
            errors.setdefault(key, []).append("Не длиннее 100 символов.")
    return parts["surname"], parts["name"], parts["patronymic"]


def decode(data: bytes) -> str:
    """Text of an uploaded CSV: UTF-8 with or without BOM; otherwise Windows-1251 (Excel's «CSV
    (разделители — точка с запятой)»)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1251")


def parse_day(value) -> date | None:
    """A date as people and files write it: `20.11.2025` or `2025-11-20` (a date passes through); None when
    empty or unreadable."""
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None
