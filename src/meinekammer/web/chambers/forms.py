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


class ServiceAccountForm(forms.Form):
    """ "Dienstkonto anlegen": a system of the chamber that uses the REST API."""

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the account is for, e.g. “Registersync” or “Kammer-CRM”."),
        error_messages={"required": _("Please give the service account a name.")},
    )
    scopes = forms.MultipleChoiceField(
        label=_("Permissions"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Please choose at least one permission."),
            "invalid_choice": _("Please choose only the permissions listed."),
        },
    )

    def __init__(self, *args, **kwargs) -> None:
        from meinekammer.integration.models import CHAMBER_SCOPES, ApiScope

        super().__init__(*args, **kwargs)
        scopes = self.fields["scopes"]
        assert isinstance(scopes, forms.MultipleChoiceField)
        scopes.choices = [
            (scope.value, f"{scope.label} ({scope.value})")
            for scope in ApiScope
            if scope.value in CHAMBER_SCOPES
        ]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name.isprintable():
            raise forms.ValidationError(_("The name contains characters that cannot be shown."))
        return name
