from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FunderConfig(AppConfig):
    name = "funder"
    verbose_name = _("Funder")
