"""Views of the assessment app."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.choices import Role
from accounts.decorators import role_required


@role_required(Role.ASSESSOR)
def dashboard(request: HttpRequest) -> HttpResponse:
    """Show the assessor's assignments; until assessment is built, say what will appear here."""
    return render(request, "assessment/dashboard.html")
