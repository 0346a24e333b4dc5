"""The project's own small hierarchy of domain errors (a leaf).

Services raise these; ``accounts.middleware.DomainErrorMiddleware`` renders them in
one place, so a view never formats an error page itself.
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A rule of the domain refused the request; the message says which, for the user."""

    status = 400
    title = _("This cannot be done")
    #: Where the error page links back to (a view may set it, say to the object acted on).
    back_url = ""
    back_label = ""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ActionForbidden(DomainError):
    """The user may not do this (403)."""

    status = 403
    title = _("Not allowed")


class StaleAction(DomainError):
    """Somebody else acted first, or the object moved on (409)."""

    status = 409
    title = _("Somebody acted first")
