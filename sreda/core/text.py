"""Russian text conventions: search ignores case and treats «ё» as «е»; ФИО sorts the same way."""


def fold(value: str | None) -> str:
    """Case- and ё-insensitive form used for search and sort keys."""
    return " ".join((value or "").lower().replace("ё", "е").split())


def full_name(surname: str, name: str, patronymic: str = "") -> str:
    return " ".join(part for part in (surname, name, patronymic) if part)


def short_name(surname: str, name: str, patronymic: str = "") -> str:
    """«Иванова А. П.»"""
    initials = " ".join(f"{part[0]}." for part in (name, patronymic) if part)
    return f"{surname} {initials}".strip()
