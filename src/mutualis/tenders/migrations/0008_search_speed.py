"""An index in the portal's listing order, so that a page of a million calls is not a sort."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tenders", "0007_consultation_text_search")]

    operations = [
        migrations.AddIndex(
            model_name="consultation",
            index=models.Index(
                fields=["-published_at", "-created_at"], name="consultation_listing"
            ),
        ),
    ]
