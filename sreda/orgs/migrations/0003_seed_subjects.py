from django.db import migrations

from sreda.orgs.subjects import SUPPORTED_SUBJECTS


def seed(apps, schema_editor):
    Subject = apps.get_model("orgs", "Subject")
    for name in SUPPORTED_SUBJECTS:
        Subject.objects.update_or_create(name=name, defaults={"supported": True})


def unseed(apps, schema_editor):
    apps.get_model("orgs", "Subject").objects.filter(name__in=SUPPORTED_SUBJECTS).delete()


class Migration(migrations.Migration):
    dependencies = [("orgs", "0002_initial")]
    operations = [migrations.RunPython(seed, unseed)]
