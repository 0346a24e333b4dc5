import base64
from typing import Any

from django.core.management.base import BaseCommand
from django_otp.oath import totp

from demo.seed import DEMO_TOTP_KEY


class Command(BaseCommand):
    help = "Print the code the demo's authenticator shows now (the second factor of the demo's staff and admin)."

    def handle(self, *args: Any, **options: Any) -> None:
        code = totp(base64.b32decode(DEMO_TOTP_KEY))
        self.stdout.write(f"{code:06d}")
