"""The applicant's form to attach a document to a proposal."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from intake import filetypes
from intake.choices import DOCUMENT_TYPES


class AttachmentForm(forms.Form):
    """Choose the type of a document and its file; the service checks what the file really is."""

    kind = forms.ChoiceField(label=_("Type of document"), choices=DOCUMENT_TYPES)
    file = forms.FileField(
        label=_("File"),
        error_messages={
            "required": _("Choose a file to upload."),
            "empty": _("This file is empty."),
            "invalid": _("No file was received: choose the file again."),
        },
    )

    def __init__(self, *args: Any, required_kinds: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        required = set(required_kinds or [])
        # Say beside each type whether the call requires it.
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            (value, _("%(label)s (required by the call)") % {"label": label} if value in required else label)
            for value, label in DOCUMENT_TYPES
        ]
        self.fields["file"].widget.attrs["accept"] = filetypes.ACCEPT_ATTRIBUTE
