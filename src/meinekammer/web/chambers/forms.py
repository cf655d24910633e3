"""Forms of the chamber area that belong to no other area."""

from django import forms
from django.utils.translation import gettext_lazy as _


class DirectoryUploadForm(forms.Form):
    """ "Verzeichnis hochladen": the chamber's directory export (docs/directory-csv.md)."""

    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "The directory export of your chamber, UTF-8 encoded, with the columns named in line 1."
        ),
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
        error_messages={
            "required": _("Please choose a CSV file."),
            "empty": _("The file is empty. Line 1 must name the columns."),
        },
    )
