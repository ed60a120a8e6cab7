"""The demo's onboarding tracker and acknowledgements (R23): the first school gets the deadline of its order
(two weeks from today) and the order «Об использовании ЦОС» with its instruction as a PDF, asked of all class
teachers (all staff when it has none); about half of them have acknowledged it, the demo teacher (account
«teacher») has not, so «Документы школы» shows the button. Idempotent: what exists is left alone."""
from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from sreda.core.active_role import ActiveRole
from sreda.core.audit import audit
from sreda.onboarding import acknowledgements as ack
from sreda.onboarding.models import Acknowledgement, OnboardingDeadline, SchoolDocument
from sreda.onboarding.tracker import local_today
from sreda.orgs.models import Organisation
from sreda.people.models import User

ORDER = "Приказ № 192 «Об использовании «Цифровой образовательной среды»»"
TITLE = "Приказ № 192 от 25.04.2024 «Об использовании «Цифровой образовательной среды»» и инструкция"
INSTRUCTION = ("Классным руководителям: ознакомиться с приказом и инструкцией по использованию проекта «Цифровая "
               "образовательная среда» («Госуслуги» (ЕСИА), «Сферум», «Моя школа») и провести работу с родителями "
               "(законными представителями) по регистрации детей до срока подключения.")
# A whole one-page PDF (header, cross-reference table, trailer, «startxref», «%%EOF»): what the content check wants.
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\nxref\n0 4\n0000000000 65535 f \n"
       b"0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\n"
       b"startxref\n164\n%%EOF\n")
DEMO_TEACHER = "teacher"


def ensure(actor: ActiveRole) -> str | None:
    school = Organisation.objects.select_related("municipality__region").order_by("pk").first()
    if school is None:
        return None
    done = []
    with transaction.atomic():
        if not OnboardingDeadline.objects.filter(organisation=school).exists():
            row = OnboardingDeadline.objects.create(organisation=school, order_title=ORDER,
                                                    deadline=local_today(school) + timedelta(days=14))
            audit(actor=actor, action="demo.onboarding_deadline", obj=row, organisation=school)
            done.append(f"срок подключения {row.deadline:%d.%m.%Y}")
    if not SchoolDocument.objects.filter(organisation=school).exists():
        audience = ack.Audience.CLASS_TEACHERS
        if not ack.audience_people(organisation=school, audience=audience):
            audience = ack.Audience.STAFF
        if ack.audience_people(organisation=school, audience=audience):
            document = ack.document_publish(actor=actor, organisation=school, title=TITLE, instruction=INSTRUCTION,
                                            upload=SimpleUploadedFile("prikaz-192.pdf", PDF), audience=audience,
                                            due_date=local_today(school) + timedelta(days=7))
            demo_person = User.objects.filter(username=DEMO_TEACHER).values_list("person_id", flat=True).first()
            rows = list(Acknowledgement.objects.filter(document=document).exclude(person_id=demo_person)
                        .order_by("person__sort_key", "pk").values_list("pk", flat=True))
            Acknowledgement.objects.filter(pk__in=rows[::2]).update(acknowledged_at=timezone.now())
            done.append(f"документ на ознакомление ({len(rows[::2])} из {len(rows) + bool(demo_person)} ознакомлены)")
    if not done:
        return None
    return f"Подключение и ознакомление: {school.short_name} — {', '.join(done)}."
