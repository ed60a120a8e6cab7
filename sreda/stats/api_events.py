"""API of the stats app: events (R30). A source (the messenger, the library) posts batches of activity
events; the answer says how many were stored, skipped as duplicates, or rejected and why."""
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema

from sreda.api.auth import api_actor
from sreda.api.models import SCOPE_STATS_WRITE
from sreda.api.schemas import ERRORS, example
from sreda.stats.events import MAX_BATCH, events_ingest

router = Router(tags=["Статистика"])

TOO_MANY = f"В одном запросе не больше {MAX_BATCH:,} событий; разбейте пакет на части.".replace(",", " ")


class EventIn(Schema):
    organisation_id: int = Field(..., description="Идентификатор организации в Среде.", examples=[101])
    person_id: int = Field(..., description="Идентификатор человека в Среде.", examples=[5001])
    role: str = Field(..., description="Роль, в которой человек действовал: teacher, staff, student, parent "
                                       "(или director, administrator — хранятся, но в показатели не входят); "
                                       "можно по-русски: «Учитель», «Сотрудник».", examples=["teacher"])
    source: str = Field(..., description="Источник: chat (мессенджер), library (библиотека), call (звонок), other.",
                        examples=["chat"])
    kind: str = Field(..., description="Вид события у источника, до 40 символов.", examples=["message"])
    occurred_at: str = Field(..., description="Когда: ISO 8601 с часовым поясом. День события считается по "
                                              "часовому поясу региона организации.",
                             examples=["2025-11-19T10:15:00+03:00"])
    counts: bool = Field(True, description="Считается ли активностью по R30 (например, сообщение в чате "
                                           "пространства организации). Несчитающиеся события хранятся, но "
                                           "в показатели не входят.")
    chat_kind: str = Field("", description="Для событий мессенджера (source = chat), необязательно: вид чата — "
                                           "staff (учительская), parents (родители класса), students (ученики "
                                           "класса), subject (предметный чат), group (групповой чат педагога), "
                                           "direct (личная переписка). Для прочих источников — пусто.",
                           examples=["parents"])
    external_id: str | None = Field(None, description="Идентификатор события у источника: повтор с тем же "
                                                      "источником и идентификатором пропускается.",
                                    examples=["msg-8f2a91"])


class EventsIn(Schema):
    model_config = example({
        "events": [
            {"organisation_id": 101, "person_id": 5001, "role": "teacher", "source": "chat", "kind": "message",
             "occurred_at": "2025-11-19T10:15:00+03:00", "counts": True, "chat_kind": "parents",
             "external_id": "msg-8f2a91"},
            {"organisation_id": 101, "person_id": 5002, "role": "student", "source": "library", "kind": "lesson_open",
             "occurred_at": "2025-11-19T11:02:00+03:00", "external_id": "lib-77120"},
        ],
    })

    events: list[EventIn] = Field(..., description=f"Пакет событий, не больше {MAX_BATCH}.")


class RejectedOut(Schema):
    index: int = Field(..., description="Номер события в пакете, с 0.", examples=[3])
    external_id: str | None = Field(None, description="Его идентификатор у источника.", examples=["msg-8f2a93"])
    reason: str = Field(..., description="Почему не принято.",
                        examples=["У человека нет роли «Учитель» в этой организации на дату события."])


class IngestOut(Schema):
    received: int = Field(..., description="Получено событий.", examples=[3])
    stored: int = Field(..., description="Сохранено новых.", examples=[1])
    duplicates: int = Field(..., description="Пропущено повторов (уже были с тем же источником и идентификатором).",
                            examples=[1])
    rejected: list[RejectedOut] = Field(..., description="Не принятые события с причинами; остальные сохранены.")


@router.post("/events", response={200: IngestOut, **ERRORS}, summary="Загрузить события активности")
def events_post(request: HttpRequest, body: EventsIn):
    """Пакет событий активности (R30) — до 10 000 за запрос. Принятые события сохраняются, показатели
    «активен за 7 дней» и «активен в месяце» обновляются сразу. Повторная отправка безопасна: события
    с уже известным `external_id` того же источника пропускаются. Неподходящие события (организация вне
    области токена, человек без такой роли в организации, время в будущем или без часового пояса)
    перечислены в `rejected` с причиной, остальные сохраняются. Область токена: `stats:write`; роль
    токена — методист района, оператор региона или оператор платформы."""
    actor = api_actor(request, SCOPE_STATS_WRITE)
    if len(body.events) > MAX_BATCH:
        raise ValidationError(TOO_MANY)
    result = events_ingest(actor=actor, events=[event.model_dump() for event in body.events])
    return result.as_dict()
