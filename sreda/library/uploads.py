"""Files of catalogue lessons: PDF, DOCX, PPTX, PNG or JPEG, recognised by their content (never by name),
at most 50 MB, kept under MEDIA_ROOT/library/ with a random name and served only by `views_catalogue.item_file`.

PDF and images are checked by the same code as a director's scans (people/documents.py); Office files are
ZIP packages whose `[Content_Types].xml` must declare a Word document or a PowerPoint presentation.
"""
from __future__ import annotations

import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError

from sreda.core.files import write_upload
from sreda.people.documents import JPEG, PDF, PNG, display_name, megabytes, pdf_or_image, read_head

MAX_BYTES = 50 * 1024 * 1024
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
EXTENSIONS = {PDF: "pdf", DOCX: "docx", PPTX: "pptx", PNG: "png", JPEG: "jpg"}
LABELS = {PDF: "PDF", DOCX: "DOCX", PPTX: "PPTX", PNG: "PNG", JPEG: "JPEG"}
# The main part each Office package must declare in [Content_Types].xml.
OFFICE_MAIN = {
    DOCX: b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    PPTX: b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
}
ALLOWED = "Загрузите PDF, DOCX, PPTX, PNG или JPEG."
SUBDIR = "library"


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    size: int
    name: str  # the name the operator gave it, for the download

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def check_item_file(upload) -> CheckedFile:
    """Refuse anything that is not really one of the five types, is empty or is larger than 50 MB."""
    name = display_name(getattr(upload, "name", ""))
    size = upload.size or 0
    if size > MAX_BYTES:
        raise ValidationError(f"Файл «{name}» больше {megabytes(MAX_BYTES)}.", code="too_large")
    if size == 0:
        raise ValidationError(f"Файл «{name}» пустой. {ALLOWED}", code="empty")
    found = pdf_or_image(upload, name, size)
    if found:
        return CheckedFile(found, size, name)
    if read_head(upload).startswith(b"PK\x03\x04"):
        return CheckedFile(_office_type(upload, name), size, name)
    raise ValidationError(
        f"Файл «{name}» не является PDF, DOCX, PPTX, PNG или JPEG (проверяется содержимое файла, а не его имя). "
        f"{ALLOWED}", code="bad_type")


def _office_type(upload, name: str) -> str:
    bad = ValidationError(f"Файл «{name}» — архив, но не документ Word (DOCX) и не презентация PowerPoint (PPTX). "
                          f"{ALLOWED}", code="bad_type")
    try:
        with zipfile.ZipFile(upload) as package:
            names = set(package.namelist())
            if "[Content_Types].xml" not in names:
                raise bad
            types = package.read("[Content_Types].xml")
    except zipfile.BadZipFile:
        raise ValidationError(f"Файл «{name}» повреждён и не открывается. {ALLOWED}", code="bad_zip") from None
    finally:
        upload.seek(0)
    if OFFICE_MAIN[DOCX] in types and "word/document.xml" in names:
        return DOCX
    if OFFICE_MAIN[PPTX] in types and "ppt/presentation.xml" in names:
        return PPTX
    raise bad


def library_root() -> Path:
    return Path(settings.MEDIA_ROOT) / SUBDIR


def store_item_file(upload) -> tuple[str, CheckedFile]:
    """Check and write the upload under MEDIA_ROOT/library/; returns the relative path and what was found."""
    checked = check_item_file(upload)
    relative = f"{SUBDIR}/{uuid.uuid4().hex}.{checked.extension}"
    write_upload(upload, Path(settings.MEDIA_ROOT) / relative)
    return relative, checked


def stored_path(relative: str) -> Path | None:
    """The file on disk for a stored relative path, or None when missing or outside the library folder."""
    if not relative:
        return None
    root = library_root().resolve()
    path = (Path(settings.MEDIA_ROOT) / relative).resolve()
    if root not in path.parents or not path.is_file():
        return None
    return path


def remove_stored(relative: str) -> None:
    path = stored_path(relative)
    if path is not None:
        path.unlink(missing_ok=True)


def type_label(content_type: str) -> str:
    return LABELS.get(content_type, content_type)
