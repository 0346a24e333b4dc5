"""How a request's user is loaded: with its roles and its unread inbox count, in one query."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery

from accounts.backends import RolesBackend
from accounts.models import User
from records.notifications import inbox_unread


class InboxBackend(RolesBackend):
    """``accounts.backends.RolesBackend`` whose user also knows its unread inbox count.

    The layout shows the count on every page, so reading it with the user saves each
    request a query; ``records.context_processors.inbox`` uses it when it is there. The
    count is the one of the request's start: a view that marks notifications read
    redirects, and the next page counts again.
    """

    def users(self) -> QuerySet[User]:
        unread = inbox_unread(user=OuterRef("pk")).order_by().values("recipient").annotate(count=Count("pk"))
        return super().users().annotate(inbox_unread=Subquery(unread.values("count"), output_field=IntegerField()))
