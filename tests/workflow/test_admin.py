"""The audit log, the notifications and the proposals are read-only in the admin."""

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from intake.models import Proposal
from records.models import AuditRecord, Notification
from tests.factories import UserFactory


@pytest.mark.parametrize("model", [AuditRecord, Notification, Proposal])
def test_admin_refuses_add_change_and_delete(model: type, db: None) -> None:
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    model_admin = site._registry[model]

    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_change_permission(request) is False
    assert model_admin.has_delete_permission(request) is False
    assert model_admin.has_view_permission(request) is True
