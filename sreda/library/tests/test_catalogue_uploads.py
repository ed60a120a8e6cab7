"""Lesson files are recognised by content (R17): PDF, DOCX, PPTX, PNG, JPEG; anything else refused."""
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from sreda.library import uploads

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\nstartxref\n0\n%%EOF\n"


def office(kind: str) -> bytes:
    buffer = io.BytesIO()
    main = {"docx": ("word/document.xml", uploads.OFFICE_MAIN[uploads.DOCX]),
            "pptx": ("ppt/presentation.xml", uploads.OFFICE_MAIN[uploads.PPTX])}[kind]
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", b'<Types><Override PartName="/x" ContentType="' + main[1] + b'"/></Types>')
        z.writestr(main[0], "<xml/>")
    return buffer.getvalue()


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("name,data,expected", [
    ("урок.pdf", PDF_BYTES, uploads.PDF),
    ("урок.docx", office("docx"), uploads.DOCX),
    ("slides.pptx", office("pptx"), uploads.PPTX),
    ("схема.png", png(), uploads.PNG),
    ("без-расширения", PDF_BYTES, uploads.PDF),  # by content, not by name
])
def test_allowed_types_recognised_by_content(name, data, expected):
    assert uploads.check_item_file(SimpleUploadedFile(name, data)).content_type == expected


def test_exe_renamed_pdf_refused():
    exe = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200
    with pytest.raises(ValidationError) as exc:
        uploads.check_item_file(SimpleUploadedFile("урок.pdf", exe, content_type="application/pdf"))
    assert "не является PDF, DOCX, PPTX, PNG или JPEG" in exc.value.messages[0]


def test_zip_that_is_not_office_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("virus.exe", b"MZ")
    with pytest.raises(ValidationError, match="не документ Word"):
        uploads.check_item_file(SimpleUploadedFile("урок.docx", buffer.getvalue()))


def test_empty_and_truncated_refused():
    with pytest.raises(ValidationError, match="пустой"):
        uploads.check_item_file(SimpleUploadedFile("a.pdf", b""))
    with pytest.raises(ValidationError, match="не целый PDF"):
        uploads.check_item_file(SimpleUploadedFile("a.pdf", b"%PDF-1.4 half a file"))


def test_over_50_mb_refused_without_reading():
    upload = SimpleUploadedFile("big.pdf", PDF_BYTES)
    upload.size = uploads.MAX_BYTES + 1
    with pytest.raises(ValidationError, match="больше 50 МБ"):
        uploads.check_item_file(upload)


def test_stored_under_library_with_random_name(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    relative, checked = uploads.store_item_file(SimpleUploadedFile("../../etc/passwd.pdf", PDF_BYTES))
    assert relative.startswith("library/") and relative.endswith(".pdf") and "passwd" not in relative
    assert (tmp_path / relative).read_bytes() == PDF_BYTES and checked.name == "passwd.pdf"
    assert uploads.stored_path("../secret") is None
