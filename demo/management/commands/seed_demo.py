from typing import Any

from django.core.management.base import BaseCommand

from demo.seed import DEMO_PASSWORD, DEMO_TOTP_KEY, demo_seed


class Command(BaseCommand):
    help = "Load the demo (programs, calls in each stage, one user per role, staff of each cluster); safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        summary = demo_seed()
        if summary.created:
            self.stdout.write(f"Created: {', '.join(summary.created)}")
        else:
            self.stdout.write("The demo is loaded already; nothing changed.")
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
        for role, email in summary.logins:
            self.stdout.write(f"  {role:<20} {email}")
        self.stdout.write(
            f"Program staff and the Django admin also type a code: add the demo key {DEMO_TOTP_KEY} to an "
            "authenticator app (time-based, 6 digits), or run `python manage.py demo_code`. "
            "The key is public: for the demo only."
        )
