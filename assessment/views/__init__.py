"""Views of the assessment app."""

from django.http import HttpResponse
from django.shortcuts import render

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required


@role_required(Role.ASSESSOR)
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    """Show the assessor's assignments; until assessment is built, say what will appear here."""
    return render(request, "assessment/dashboard.html")
