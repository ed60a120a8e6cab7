"""The journal's words: counts and durations as a person reads them (pages, XLSX, CLI)."""
from __future__ import annotations

COUNT_LABELS = {
    "rows": "строк", "created": "добавлено", "updated": "изменено", "ended": "завершено ролей",
    "unchanged": "без изменений", "skipped": "пропущено строк", "schools": "школ в файле",
    "rooms_created": "создано чатов", "members_added": "добавлено участников", "members_removed": "удалено участников",
    "renamed": "переименовано", "archived": "в архив", "unarchived": "из архива",
    "rooms": "прочитано чатов", "messages_read": "прочитано сообщений", "events_added": "добавлено событий",
    "lessons": "выгружено уроков", "operations": "операций", "deleted": "удалено", "failed": "отклонено",
    "attempt": "попытка",
}


def counts_text(counts: dict | None) -> str:
    """«строк: 12, добавлено: 4, …» in the order the run wrote them; unknown keys as they are."""
    return ", ".join(f"{COUNT_LABELS.get(key, key)}: {value}" for key, value in (counts or {}).items()) or "—"


def duration_text(seconds: float) -> str:
    """0,4 с · 12 с · 3 мин 5 с · 1 ч 2 мин."""
    if seconds < 10:
        return f"{seconds:.1f} с".replace(".", ",")
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} с"
    if seconds < 3600:
        return f"{seconds // 60} мин {seconds % 60} с"
    return f"{seconds // 3600} ч {seconds % 3600 // 60} мин"


def place_text(item: dict) -> str:
    """Where an error or warning is: «users.csv, строка 3, столбец «email»» or what failed."""
    parts = []
    if item.get("file"):
        parts.append(str(item["file"]))
    if item.get("line"):
        parts.append(f"строка {item['line']}")
    if item.get("column"):
        parts.append(f"столбец «{item['column']}»")
    if item.get("what"):
        parts.append(str(item["what"]))
    return ", ".join(parts) or "—"
