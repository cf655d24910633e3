from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("companies", "0007_invitation_names_and_batches"),
    ]

    operations = [
        migrations.AddField(
            model_name="activationletter",
            name="address_name",
            field=models.CharField(blank=True, max_length=300, verbose_name="company name"),
        ),
        migrations.AddField(
            model_name="activationletter",
            name="street",
            field=models.CharField(blank=True, max_length=200, verbose_name="street and number"),
        ),
        migrations.AddField(
            model_name="activationletter",
            name="postal_code",
            field=models.CharField(blank=True, max_length=5, verbose_name="postal code"),
        ),
        migrations.AddField(
            model_name="activationletter",
            name="city",
            field=models.CharField(blank=True, max_length=100, verbose_name="city"),
        ),
        migrations.AddField(
            model_name="activationletter",
            name="address_source",
            field=models.CharField(
                blank=True,
                choices=[
                    ("directory", "from the chamber's company directory"),
                    ("corrected", "corrected by the chamber"),
                    ("company", "as the company gave it"),
                ],
                max_length=9,
                verbose_name="address",
            ),
        ),
    ]
