"""An index in the portal's listing order (issue 6: search over a million calls)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tenders", "0005_amendments")]

    operations = [
        migrations.AddIndex(
            model_name="consultation",
            index=models.Index(
                fields=["-published_at", "-created_at"], name="consultation_listing"
            ),
        ),
    ]
