import django.db.models.deletion
from django.db import migrations, models


def erase_shares(apps, schema_editor):
    # Plaintext shares never outlive their session; none can belong to one yet.
    apps.get_model("bids", "SubmittedShare").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("bids", "0003_sealing"),
    ]

    operations = [
        migrations.RunPython(erase_shares, migrations.RunPython.noop),
        migrations.AddField(
            model_name="submittedshare",
            name="session",
            field=models.ForeignKey(
                default=None,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="bids.openingevent",
                verbose_name="opening session",
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="openingevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("session-started", "opening session started"),
                    ("bid-opened", "bid opened"),
                    ("late-set-aside", "late bid set aside unopened"),
                    ("file-read", "file read"),
                    ("shares-submitted", "key shares handed over"),
                ],
                max_length=20,
                verbose_name="action",
            ),
        ),
    ]
