"""The admin shows the audit log and the notifications read-only: no one edits or deletes them."""

from django.contrib import admin

from accounts.admin import ReadOnlyAdmin
from records.models import AuditRecord, Notification


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyAdmin):
    list_display = ["at", "proposal", "action", "from_state", "to_state", "actor"]
    list_filter = ["action", "to_state"]
    search_fields = ["proposal__title", "actor__email", "reason"]
    list_select_related = ["proposal", "actor"]
    date_hierarchy = "at"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "event", "channel", "recipient", "sent_at", "read_at", "attempts"]
    list_filter = ["event", "channel"]
    search_fields = ["recipient__email", "key"]
    list_select_related = ["recipient"]
