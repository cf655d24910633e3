# The schedule bookkeeping moved from the web app to ops; the table stays where it is.

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [("web", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ScheduleRun",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("name", models.CharField(max_length=100, unique=True)),
                        ("last_enqueued_at", models.DateTimeField()),
                    ],
                    options={"db_table": "web_schedulerun"},
                ),
            ],
            database_operations=[],
        ),
    ]
