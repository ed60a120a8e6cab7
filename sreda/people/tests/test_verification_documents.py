"""Uploaded scans (R6, personal-data rules): PDF, JPEG or PNG by content, never by name; at most 10 MB,
refused without being read whole."""
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import TemporaryUploadedFile
from PIL import Image

from sreda.people.documents import check_document, display_name, storage_name
from sreda.people.tests.test_verification_fixtures import exe_bytes, image_bytes, pdf_bytes, upload


@pytest.mark.parametrize("content, name, expected", [
    (pdf_bytes(), "справка.pdf", "application/pdf"),
    (pdf_bytes(), "скан без расширения", "application/pdf"),  # the name does not matter…
    (image_bytes("JPEG"), "паспорт.pdf", "image/jpeg"),  # …in either direction
    (image_bytes("PNG"), "паспорт.png", "image/png"),
])
def test_the_type_comes_from_the_content(content, name, expected):
    assert check_document(upload(content, name, "application/octet-stream")).content_type == expected


@pytest.mark.parametrize("content, message", [
    (exe_bytes(), "не является PDF, JPEG или PNG"),
    (b"<html><script>alert(1)</script></html>", "не является PDF, JPEG или PNG"),
    (b"%PDF-1.7\n" + exe_bytes(), "не целый PDF"),  # a PDF header glued onto a program
    (pdf_bytes()[:-40], "не целый PDF"),
    (image_bytes("PNG")[:60], "повреждено"),
    (image_bytes("JPEG")[:20] + bytes(300), "повреждено"),
    (b"", "пустой"),
])
def test_disguised_broken_or_empty_files_are_refused_in_russian(content, message):
    with pytest.raises(ValidationError, match=message):
        check_document(upload(content, "справка.pdf", "application/pdf"))


def test_other_image_formats_are_refused():
    out = BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    with pytest.raises(ValidationError, match="не является PDF, JPEG или PNG"):
        check_document(upload(out.getvalue(), "фото.png", "image/png"))


class CountingFile(TemporaryUploadedFile):
    """A spooled upload that counts the bytes read from it."""

    bytes_read = 0

    def read(self, *args):
        data = super().read(*args)
        self.bytes_read += len(data)
        return data


def test_a_50_mb_file_is_refused_without_being_read(settings):
    settings.VERIFICATION_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    big = CountingFile("скан.pdf", "application/pdf", 0, None)
    big.write(pdf_bytes())
    big.seek(50 * 1024 * 1024 - 1)
    big.write(b"\n")  # a sparse 50 MB file on disk, as Django spools a large upload
    big.size = 50 * 1024 * 1024
    big.seek(0)

    with pytest.raises(ValidationError, match="больше 10 МБ"):
        check_document(big)

    assert big.bytes_read == 0
    big.close()


def test_a_file_of_exactly_the_limit_passes(settings):
    content = pdf_bytes()
    settings.VERIFICATION_UPLOAD_MAX_BYTES = len(content)
    assert check_document(upload(content)).size == len(content)
    settings.VERIFICATION_UPLOAD_MAX_BYTES = len(content) - 1
    with pytest.raises(ValidationError, match="больше"):
        check_document(upload(content))


def test_names_on_disk_are_random_and_names_shown_are_harmless():
    checked = check_document(upload(pdf_bytes(), "../../etc/passwd.pdf"))
    names = {storage_name(checked) for _ in range(50)}
    assert len(names) == 50 and all(n.endswith(".pdf") and "/" not in n and ".." not in n for n in names)
    assert display_name("../../etc/passwd.pdf") == "passwd.pdf"
    assert display_name('C:\\Users\\Ира\\"скан".pdf') == "скан.pdf"
    assert display_name("") == "документ"
