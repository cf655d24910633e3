# ScheduleRun now belongs to the ops app (its table keeps the name web_schedulerun).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("web", "0001_initial"), ("ops", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ScheduleRun")],
            database_operations=[],
        ),
    ]
