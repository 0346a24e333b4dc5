from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo's commands (``seed_demo``, ``demo_code``): outside the apps, above all of them."""

    name = "demo"
    verbose_name = _("Demo")
