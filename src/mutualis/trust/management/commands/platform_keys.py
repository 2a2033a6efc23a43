from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.core.management.base import BaseCommand

from mutualis.trust.platform import ensure_keys, platform_keys


class Command(BaseCommand):
    help = "Generate the platform's root CA, timestamp and seal keys if missing."

    def handle(self, *args, **options):
        created = ensure_keys() if settings.MUTUALIS_GENERATE_KEYS else False
        keys = platform_keys()
        verb = "generated" if created else "found"
        self.stdout.write(f"{verb} in {settings.MUTUALIS_KEYS_DIR}:")
        for role, certificate in (
            ("root", keys.roots[0]),
            ("timestamps", keys.tsa.certificate),
            ("seal", keys.seal.certificate),
        ):
            fingerprint = certificate.fingerprint(hashes.SHA256()).hex(":")
            self.stdout.write(
                f"  {role}: {certificate.subject.rfc4514_string()}, "
                f"until {certificate.not_valid_after_utc:%Y-%m-%d}, SHA-256 {fingerprint}"
            )
