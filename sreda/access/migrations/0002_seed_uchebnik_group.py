"""R13: the access group every teacher needs for the УБ ЦОК content library exists from the start."""
from django.db import migrations

from sreda.core.text import fold

OWNER = "Министерство цифрового развития, связи и массовых коммуникаций Российской Федерации"
OWNER_INN = "7710474375"
SYSTEM = "Госуслуги Моя школа"
GROUP = "Педагоги. Доступ к УБ ЦОК"
DESCRIPTION = (
    "Доступ к мобильному приложению и веб-версии «Госуслуги. Моя школа»: единый электронный дневник "
    "и библиотека цифрового образовательного контента (УБ ЦОК)."
)


def seed(apps, schema_editor):
    System = apps.get_model("access", "System")
    AccessGroup = apps.get_model("access", "AccessGroup")
    system, _ = System.objects.get_or_create(
        code="gosuslugi-moya-shkola", defaults={"name": SYSTEM, "owner_name": OWNER, "owner_inn": OWNER_INN}
    )
    AccessGroup.objects.get_or_create(
        code="pedagogi-ub-tsok",
        defaults={
            "system": system, "name": GROUP, "description": DESCRIPTION,
            # Historical models don't run save(); fill the search column the way AccessGroup.save() does.
            "search_text": fold(" ".join([OWNER, SYSTEM, GROUP])),
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("access", "System").objects.filter(code="gosuslugi-moya-shkola").delete()


class Migration(migrations.Migration):
    dependencies = [("access", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
