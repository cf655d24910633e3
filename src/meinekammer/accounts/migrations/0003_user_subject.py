import uuid

from django.db import migrations, models


def give_every_account_a_subject(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for user in User.objects.filter(subject__isnull=True).only("pk"):
        User.objects.filter(pk=user.pk).update(subject=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_first_privacy_notice")]

    operations = [
        migrations.AddField(
            model_name="user", name="subject", field=models.UUIDField(null=True, editable=False)
        ),
        migrations.RunPython(give_every_account_a_subject, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="user",
            name="subject",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
