# The sync hold of SCIM Bulk (issue #10): a held import's source (file or SCIM) with the bulk body; totals for lists.

from django.conf import settings
from django.db import migrations, models


def counts_from_preview(apps, schema_editor):
    """Held imports stored before the totals existed: sum them from their previews."""
    HeldImport = apps.get_model("roster", "HeldImport")
    for row in HeldImport.objects.only("id", "preview").iterator():
        schools = (row.preview or {}).get("schools", [])
        HeldImport.objects.filter(pk=row.pk).update(
            ended_count=sum(s.get("ended_count", 0) for s in schools),
            moved_count=sum(s.get("moved_count", 0) for s in schools),
            created_count=sum(s.get("created_count", 0) for s in schools))


class Migration(migrations.Migration):

    dependencies = [
        ('roster', '0002_hold'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='heldimport',
            name='created_count',
            field=models.PositiveIntegerField(default=0, verbose_name='добавляется ролей'),
        ),
        migrations.AddField(
            model_name='heldimport',
            name='ended_count',
            field=models.PositiveIntegerField(default=0, verbose_name='завершается ролей'),
        ),
        migrations.AddField(
            model_name='heldimport',
            name='kind',
            field=models.CharField(choices=[('file', 'файл'), ('scim', 'SCIM')], default='file', max_length=4, verbose_name='источник'),
        ),
        migrations.AddField(
            model_name='heldimport',
            name='moved_count',
            field=models.PositiveIntegerField(default=0, verbose_name='переводится ролей'),
        ),
        migrations.AddField(
            model_name='heldimport',
            name='payload',
            field=models.JSONField(blank=True, null=True, verbose_name='запрос SCIM Bulk'),
        ),
        migrations.AlterField(
            model_name='heldimport',
            name='file_path',
            field=models.CharField(blank=True, max_length=500, verbose_name='файл'),
        ),
        migrations.AlterField(
            model_name='heldimport',
            name='original_name',
            field=models.CharField(blank=True, max_length=255, verbose_name='имя файла'),
        ),
        migrations.AddConstraint(
            model_name='heldimport',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'scim'), _negated=True), ('payload__isnull', False), _connector='OR'), name='roster_held_scim_has_payload'),
        ),
        migrations.RunPython(counts_from_preview, migrations.RunPython.noop),
    ]
