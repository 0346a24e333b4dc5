from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = _("Records")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from records.moments import moments_loaded_compiled

        connection_created.connect(moments_loaded_compiled, dispatch_uid="records.moments_loaded_compiled")
