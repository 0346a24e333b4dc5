"""The admin's app configuration, in its own module: it is imported before any model is loaded."""

from django.contrib.admin.apps import AdminConfig


class SecondFactorAdminConfig(AdminConfig):
    """``django.contrib.admin`` with the site that requires a verified second factor (``accounts.admin_site``)."""

    default_site = "accounts.admin_site.SecondFactorAdminSite"
