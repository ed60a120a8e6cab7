"""A director's proofs of identity (R6): scans checked by their content, never by name or the browser's
content type, and stored under MEDIA_ROOT with a random name — outside the web root, served only by
`views_verification.verification_document` to the reviewing operator and the owner; passport data typed
as text, checked field by field.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from sreda.core.text import parse_day

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png"}
TYPE_LABELS = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG"}

# A PDF starts with its header and ends with «%%EOF» after the cross-reference pointer; the spec lets a
# few bytes of junk follow the marker, so the tail is searched, not matched exactly.
PDF_HEAD = b"%PDF-"
PDF_TAIL_BYTES = 2048
# A photo of a passport page is a few megapixels; far more is a decompression bomb, not a scan.
MAX_IMAGE_PIXELS = 60_000_000

ALLOWED = "Загрузите PDF, JPEG или PNG."


@dataclass(frozen=True)
class CheckedDocument:
    """What the content check found: the type to serve it as and the size in bytes."""

    content_type: str
    size: int

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]

    @property
    def label(self) -> str:
        return TYPE_LABELS[self.content_type]


def max_bytes() -> int:
    return settings.VERIFICATION_UPLOAD_MAX_BYTES


def megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} МБ" if n >= 1024 * 1024 else f"{max(1, n // 1024)} КБ"


def too_large_message(name: str) -> str:
    return (f"Файл «{name}» больше {megabytes(max_bytes())}. "
            "Уменьшите скан (например, сохраните в PDF с меньшим разрешением).")


def check_document(upload) -> CheckedDocument:
    """Refuse anything that is not really a PDF, JPEG or PNG of at most VERIFICATION_UPLOAD_MAX_BYTES.

    Reads only the first bytes and, for a PDF, the last ones: the size comes from Django, which counted
    the bytes while spooling the upload (to disk when large), so a 50 MB file is never read into memory.
    """
    name = display_name(getattr(upload, "name", ""))
    size = upload.size or 0
    if size > max_bytes():
        raise ValidationError(too_large_message(name), code="too_large")
    if size == 0:
        raise ValidationError(f"Файл «{name}» пустой. {ALLOWED}", code="empty")
    found = pdf_or_image(upload, name, size)
    if found:
        return CheckedDocument(found, size)
    raise ValidationError(
        f"Файл «{name}» не является PDF, JPEG или PNG (проверяется содержимое файла, а не его имя). {ALLOWED}",
        code="bad_type",
    )


def read_head(upload, length: int = 16) -> bytes:
    """The first bytes of an upload, leaving it at the start."""
    upload.seek(0)
    head = upload.read(length)
    upload.seek(0)
    return head


def pdf_or_image(upload, name: str, size: int) -> str | None:
    """The type of a PDF, JPEG or PNG, checked through (a broken or disguised one raises ValidationError);
    None when the file begins as none of them."""
    head = read_head(upload)
    if head.startswith(PDF_HEAD):
        _check_pdf(upload, name, size)
        return PDF
    if head.startswith(b"\xff\xd8\xff") or head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _check_image(upload, name)
    return None


def _check_pdf(upload, name: str, size: int) -> None:
    upload.seek(max(0, size - PDF_TAIL_BYTES))
    tail = upload.read(PDF_TAIL_BYTES)
    upload.seek(0)
    if b"%%EOF" not in tail or b"startxref" not in tail:
        raise ValidationError(
            f"Файл «{name}» повреждён или сохранён не полностью: это не целый PDF. Сохраните скан заново.",
            code="bad_pdf",
        )


def _check_image(upload, name: str) -> str:
    """Pillow must recognise the image and decode every pixel: a truncated or disguised file fails here."""
    broken = ValidationError(
        f"Изображение «{name}» повреждено и не открывается. Сфотографируйте или отсканируйте документ заново.",
        code="bad_image",
    )
    try:
        with Image.open(upload) as image:
            kind = image.format
            width, height = image.size
            image.verify()
        if kind not in ("JPEG", "PNG"):
            raise ValidationError(f"Файл «{name}»: формат {kind} не принимается. {ALLOWED}", code="bad_type")
        if width * height > MAX_IMAGE_PIXELS:
            raise ValidationError(
                f"Изображение «{name}» слишком большое: {width}×{height} точек. Уменьшите разрешение.",
                code="too_many_pixels",
            )
        upload.seek(0)
        with Image.open(upload) as image:  # verify() leaves the image unusable; decode a fresh one
            image.load()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise broken from None
    finally:
        upload.seek(0)
    return JPEG if kind == "JPEG" else PNG


def display_name(file_name: str | None) -> str:
    """The name the person gave the file, for messages and the download; never used on disk."""
    raw = (file_name or "").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in raw if ch.isprintable() and ch not in '"<>')
    return cleaned.strip()[:200] or "документ"


def storage_name(checked: CheckedDocument) -> str:
    """A random file name: nothing of the uploaded name reaches the disk (no paths, no guessing)."""
    return f"{uuid.uuid4().hex}.{checked.extension}"


class SizeLimitUploadHandler(FileUploadHandler):
    """Stops taking a file the moment it passes the limit, so that an oversized scan is neither kept in
    memory nor written to disk; the rest of the form is still parsed and `request.upload_refusals` says
    which file was refused. Put it first in `request.upload_handlers`, before the POST is read."""

    def __init__(self, request=None, *, limit: int | None = None):
        super().__init__(request)
        self.limit = limit if limit is not None else max_bytes()
        self.received = 0
        if request is not None:
            request.upload_refusals = {}

    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            if self.request is not None:
                self.request.upload_refusals[self.field_name] = too_large_message(display_name(self.file_name))
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size):
        return None


# --- typed passport data ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PassportData:
    series: str
    number: str
    issued_by: str
    issue_date: date | None
    department_code: str

    @property
    def masked(self) -> str:
        """«** ** ****56»: enough to tell two requests apart, not enough to use."""
        return f"** ** ****{self.number[-2:]}" if self.number else ""

    @property
    def series_display(self) -> str:
        return f"{self.series[:2]} {self.series[2:]}" if len(self.series) == 4 else self.series


PASSPORT_FIELDS = ("passport_series", "passport_number", "passport_issued_by", "passport_issue_date",
                   "passport_department_code")
FIRST_PASSPORT_DATE = date(1997, 10, 1)  # the passport of a citizen of the Russian Federation is issued since


def _digits(value) -> str:
    return re.sub(r"[\s\-]", "", str(value or ""))


def clean_passport(raw: dict) -> PassportData:
    """Check typed passport data field by field; every error names the field and the rule."""
    errors: dict[str, str] = {}
    series = _digits(raw.get("passport_series"))
    if not re.fullmatch(r"\d{4}", series):
        errors["passport_series"] = "Серия паспорта — 4 цифры, например «45 03»."
    number = _digits(raw.get("passport_number"))
    if not re.fullmatch(r"\d{6}", number):
        errors["passport_number"] = "Номер паспорта — 6 цифр, например «123456»."
    issued_by = " ".join(str(raw.get("passport_issued_by") or "").split())
    if not issued_by:
        errors["passport_issued_by"] = "Укажите, кем выдан паспорт, как в паспорте."
    elif len(issued_by) > 300:
        errors["passport_issued_by"] = "«Кем выдан» — не длиннее 300 знаков."
    issue_date = raw.get("passport_issue_date")
    if isinstance(issue_date, str):
        issue_date = parse_day(issue_date)
        if issue_date is None and raw.get("passport_issue_date"):
            errors["passport_issue_date"] = "Дата выдачи — в виде ДД.ММ.ГГГГ, например «20.11.2015»."
    if "passport_issue_date" not in errors:
        if not issue_date:
            errors["passport_issue_date"] = "Укажите дату выдачи паспорта."
        elif issue_date > timezone.localdate():
            errors["passport_issue_date"] = "Дата выдачи паспорта не может быть в будущем."
        elif issue_date < FIRST_PASSPORT_DATE:
            errors["passport_issue_date"] = "Паспорт гражданина РФ выдаётся с 01.10.1997: проверьте дату выдачи."
    code = _digits(raw.get("passport_department_code"))
    if not re.fullmatch(r"\d{6}", code):
        errors["passport_department_code"] = "Код подразделения — 6 цифр, например «780-012»."
    if errors:
        raise ValidationError(errors)
    return PassportData(series=series, number=number, issued_by=issued_by, issue_date=issue_date,
                        department_code=f"{code[:3]}-{code[3:]}")


def has_passport(raw: dict | None) -> bool:
    return bool(raw) and any(str(raw.get(name) or "").strip() for name in PASSPORT_FIELDS)
