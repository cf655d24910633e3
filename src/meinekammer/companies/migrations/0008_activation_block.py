import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("chambers", "0001_initial"),
        ("companies", "0007_letter_address"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ActivationBlock",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("user", "account"), ("address", "network address")], max_length=7
                    ),
                ),
                ("key", models.CharField(max_length=64)),
                ("tried", models.JSONField(blank=True, default=list)),
                ("started_at", models.DateTimeField()),
                ("until", models.DateTimeField(db_index=True)),
                ("lifted_at", models.DateTimeField(blank=True, null=True)),
                (
                    "chambers",
                    models.ManyToManyField(
                        blank=True, related_name="activation_blocks", to="chambers.chamber"
                    ),
                ),
                (
                    "lifted_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "activation block",
                "verbose_name_plural": "activation blocks",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("kind", "key"), name="one_activation_block_per_key"
                    )
                ],
            },
        ),
    ]
