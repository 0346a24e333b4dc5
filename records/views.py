"""Views of the records: everyone's inbox."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.decorators import AuthenticatedRequest
from records import notifications

INBOX_PAGE_SIZE = 30


@login_required
def inbox(request: AuthenticatedRequest) -> HttpResponse:
    """List the signed-in user's inbox, newest first, 30 to a page."""
    page = Paginator(notifications.inbox_notifications(user=request.user), INBOX_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [(notification, notifications.notification_subject(notification)) for notification in page.object_list]
    return render(request, "records/inbox.html", {"page": page, "rows": rows})


@login_required
@require_POST
def inbox_mark_read(request: AuthenticatedRequest) -> HttpResponse:
    """Mark one of the user's own notifications read (``id``), or all of them (``all``)."""
    if request.POST.get("all"):
        ids = None
    else:
        try:
            pk = int(request.POST.get("id", ""))
        except ValueError:
            raise Http404 from None
        ids = [get_object_or_404(notifications.inbox_notifications(user=request.user), pk=pk).pk]
    notifications.inbox_mark_read(user=request.user, ids=ids)
    page = request.POST.get("page", "")
    return redirect(reverse("records:inbox") + (f"?page={page}" if page.isdigit() else ""))
