from django.db import migrations, models


class Migration(migrations.Migration):
    """Apart from 0002, whose data step PostgreSQL must commit before the index."""

    dependencies = [
        ("core", "0002_journal_chain"),
    ]

    operations = [
        migrations.AlterField(
            model_name="journalentry",
            name="sequence",
            field=models.PositiveBigIntegerField(unique=True, verbose_name="sequence"),
        ),
    ]
