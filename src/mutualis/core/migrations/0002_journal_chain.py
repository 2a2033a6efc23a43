import datetime as dt
import hashlib
import json

from django.db import migrations, models

GENESIS = "0" * 64


def _hash(entry):
    # The canonical form of mutualis.core.journal at the time of this migration.
    content = {
        "sequence": entry.sequence,
        "at": entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": entry.actor_id,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "data": entry.data,
        "previous_hash": entry.previous_hash,
    }
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def chain_existing_entries(apps, schema_editor):
    """Number the rows already there in id order and chain them."""
    JournalEntry = apps.get_model("core", "JournalEntry")
    JournalHead = apps.get_model("core", "JournalHead")
    previous_hash, sequence = GENESIS, 0
    for entry in JournalEntry.objects.order_by("id").iterator(chunk_size=2000):
        sequence += 1
        entry.sequence, entry.previous_hash = sequence, previous_hash
        entry.entry_hash = _hash(entry)
        JournalEntry.objects.filter(pk=entry.pk).update(
            sequence=entry.sequence,
            previous_hash=entry.previous_hash,
            entry_hash=entry.entry_hash,
        )
        previous_hash = entry.entry_hash
    JournalHead.objects.create(pk=1, sequence=sequence, entry_hash=previous_hash)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="journalentry",
            name="sequence",
            field=models.PositiveBigIntegerField(null=True, verbose_name="sequence"),
        ),
        migrations.AddField(
            model_name="journalentry",
            name="previous_hash",
            field=models.CharField(default="", max_length=64, verbose_name="previous hash"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="journalentry",
            name="entry_hash",
            field=models.CharField(default="", max_length=64, verbose_name="entry hash"),
            preserve_default=False,
        ),
        migrations.CreateModel(
            name="JournalHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sequence", models.PositiveBigIntegerField(default=0, verbose_name="sequence")),
                ("entry_hash", models.CharField(max_length=64, verbose_name="entry hash")),
            ],
            options={
                "verbose_name": "journal head",
                "verbose_name_plural": "journal heads",
                "constraints": [models.CheckConstraint(condition=models.Q(("pk", 1)), name="journal_head_single")],
            },
        ),
        migrations.CreateModel(
            name="JournalSeal",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sequence", models.PositiveBigIntegerField(verbose_name="sequence")),
                ("entry_hash", models.CharField(max_length=64, verbose_name="entry hash")),
                ("token", models.BinaryField(verbose_name="timestamp token")),
                ("stamped_at", models.DateTimeField(verbose_name="stamped at")),
            ],
            options={
                "verbose_name": "journal seal",
                "verbose_name_plural": "journal seals",
                "ordering": ["id"],
            },
        ),
        migrations.RunPython(chain_existing_entries, migrations.RunPython.noop),
    ]
