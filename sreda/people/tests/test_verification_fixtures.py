"""Shared builders and fixtures of the director-verification tests (R6–R8); holds no tests itself.

A small world: one school in a region with its regional operator, and a school of another region with
its own operator. Sample scans are made by Pillow, so they are real PDF/JPEG/PNG files.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from sreda.core.testing import active_role_of, make_member, make_municipality, make_organisation, make_region
from sreda.orgs.models import Organisation, Region
from sreda.people.models import Membership, User
from sreda.people.roles import Role

GOOD_PASSPORT = {
    "passport_series": "45 03", "passport_number": "123456", "passport_issued_by": "ГУ МВД России по г. Москве",
    "passport_issue_date": "20.11.2015", "passport_department_code": "770-012",
}


@lru_cache
def pdf_bytes() -> bytes:
    """A real one-page PDF (Pillow writes the header, the xref table and %%EOF); made once, because
    Pillow stamps the creation time into it."""
    out = BytesIO()
    Image.new("RGB", (120, 80), "white").save(out, "PDF")
    return out.getvalue()


def image_bytes(kind: str = "PNG", size=(64, 48)) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, kind)
    return out.getvalue()


def exe_bytes() -> bytes:
    """The first bytes of a Windows program: «MZ», the DOS stub, then noise."""
    stub = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    return stub + b"This program cannot be run in DOS mode." + bytes(4000)


def upload(content: bytes, name: str = "справка.pdf", content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type)


@dataclass
class World:
    region: Region
    school: Organisation
    director_user: User
    director: Membership
    operator_user: User
    operator: Membership
    other_region: Region
    other_school: Organisation
    other_operator_user: User
    other_operator: Membership

    @property
    def director_role(self):
        return active_role_of(self.director_user, self.director)

    @property
    def operator_role(self):
        return active_role_of(self.operator_user, self.operator)

    @property
    def other_operator_role(self):
        return active_role_of(self.other_operator_user, self.other_operator)


def make_world() -> World:
    region = make_region(name="Курская область", timezone="Europe/Moscow")
    school = make_organisation(municipality=make_municipality(region=region, name="Курский район"),
                               short_name="МБОУ «Лицей № 21»")
    director_user, director = make_member(role=Role.DIRECTOR, organisation=school, email="director@school.example")
    person = director_user.person
    person.surname, person.name, person.patronymic = "Соколова", "Ирина", "Павловна"
    person.email = "director@school.example"
    person.save()
    operator_user, operator = make_member(role=Role.REGIONAL_OPERATOR, region=region)
    other_region = make_region(name="Белгородская область")
    other_school = make_organisation(municipality=make_municipality(region=other_region))
    other_operator_user, other_operator = make_member(role=Role.REGIONAL_OPERATOR, region=other_region)
    return World(region, school, director_user, director, operator_user, operator, other_region, other_school,
                 other_operator_user, other_operator)


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return make_world()


def stored_files(settings) -> list:
    from pathlib import Path

    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
