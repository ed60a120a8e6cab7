"""Uploaded files on disk: every import and attachment is written the same way, in chunks (a large upload is
never held in memory), under a folder no URL serves."""
from __future__ import annotations

import uuid
from pathlib import Path

from django.utils.text import get_valid_filename


def write_upload(upload, target: Path) -> Path:
    """Write an uploaded file (Django's UploadedFile or any binary file object) to `target`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    upload.seek(0)
    chunks = upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(1 << 20), b"")
    with open(target, "wb") as out:
        for chunk in chunks:
            out.write(chunk)
    return target


def store_upload(upload, root: Path, fallback_name: str) -> Path:
    """Keep an upload under its own name (made safe) in a fresh random folder below `root`."""
    name = get_valid_filename(Path(upload.name).name) or fallback_name
    return write_upload(upload, root / uuid.uuid4().hex / name)
