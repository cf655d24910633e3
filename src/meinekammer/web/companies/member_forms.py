"""Forms of the company administration and of members (manual ch. 4-6)."""

import re
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from meinekammer.applications.models import Application, AppRole
from meinekammer.chambers.models import postal_code_validator
from meinekammer.companies.models import Company

from .forms import MEMBER_NUMBER, REASON_MAX_LENGTH, TextField

YES, NO = "yes", "no"
YES_NO = [(YES, _("Yes")), (NO, _("No"))]
COMMENT_MAX_LENGTH = 1000


def _yes_no(label, initial: bool) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=YES_NO, initial=YES if initial else NO, widget=forms.RadioSelect
    )


class RoleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.application.name}: {obj.name}"


class RoleMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.application.name}: {obj.name}"


class RolesMixin:
    """One Ja/Nein question per role of every active application (manual ch. 6, step 7)."""

    fields: dict
    cleaned_data: dict

    def add_role_fields(
        self, applications: list[Application], held: set[int], *, admin: bool | None
    ) -> None:
        self.applications = applications
        self.role_fields: list[tuple[Application, list[str]]] = []
        for application in applications:
            names = []
            for role in application.role_list:  # type: ignore[attr-defined]
                name = f"role_{role.pk}"
                self.fields[name] = _yes_no(role.name, role.pk in held)
                self.fields[name].role = role
                names.append(name)
            self.role_fields.append((application, names))
        if admin is not None:
            self.fields["is_admin"] = _yes_no(_("Company administrator"), admin)

    def chosen_roles(self) -> list[AppRole]:
        return [
            field.role
            for name, field in self.fields.items()
            if name.startswith("role_") and self.cleaned_data.get(name) == YES
        ]

    def admin_chosen(self) -> bool:
        return self.cleaned_data.get("is_admin") == YES


class MemberForm(RolesMixin, forms.Form):
    """ "+" on a member in "Unternehmensmitglieder": roles and admin flag, then "Speichern"."""

    def __init__(self, *args, applications, held: set[int], is_admin: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.add_role_fields(applications, held, admin=is_admin)


class InviteForm(forms.Form):
    """ "Benutzer hinzufügen": the roles first, then the address (manual ch. 4)."""

    roles = RoleMultipleChoiceField(
        label=_("Roles"),
        queryset=AppRole.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The roles the person gets once you have confirmed the join request."),
    )
    make_admin = forms.BooleanField(
        label=_("Also make company administrator"),
        required=False,
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text=_("The join link is sent to this address and works only for it."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelMultipleChoiceField, self.fields["roles"])
        field.queryset = AppRole.objects.assignable().select_related("application")


class JoinRequestForm(forms.Form):
    """ "Unternehmen beitreten" (manual ch. 5): the data as the chamber holds them."""

    chamber_number = forms.CharField(
        label=_("Chamber number"),
        max_length=3,
        help_text=_("The three-digit number of the chamber your company belongs to."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    member_number = forms.CharField(
        label=_("Member number (Identnummer)"),
        max_length=20,
        help_text=_("Your company's member number at the chamber; your colleagues know it."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    company_name = TextField(
        label=_("Company name"),
        max_length=300,
        help_text=_("Exactly as the chamber holds it, with its legal form."),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    comment = TextField(
        label=_("Message to the company administrators"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_chamber_number(self) -> str:
        value = self.cleaned_data["chamber_number"].strip()
        if not re.fullmatch(r"\d{3}", value):
            raise ValidationError(
                _("The chamber number has exactly three digits."), code="chamber_number"
            )
        return value

    def clean_member_number(self) -> str:
        value = re.sub(r"\s", "", self.cleaned_data["member_number"])
        if not MEMBER_NUMBER.fullmatch(value):
            raise ValidationError(
                _("The member number consists of 4 to 12 digits."), code="member_number"
            )
        return value


class RoleRequestForm(forms.Form):
    """ "Rolle beantragen": application and role, with an optional comment."""

    role = RoleChoiceField(
        label=_("Application and role"),
        queryset=AppRole.objects.none(),
        empty_label=_("Please choose"),
    )
    comment = TextField(
        label=_("Comment"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, held: set[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["role"])
        field.queryset = (
            AppRole.objects.assignable().select_related("application").exclude(pk__in=held)
        )


class DecisionForm(RolesMixin, forms.Form):
    """ "Anfrageinformationen": roles can be adjusted before approval."""

    def __init__(self, *args, applications, held: set[int], is_admin: bool | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_role_fields(applications, held, admin=is_admin)


class RejectForm(forms.Form):
    reason = TextField(
        label=_("Reason"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        help_text=_("Optional; it is sent to the requester."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CompanyDataForm(forms.ModelForm):
    """ "Unternehmensdaten bearbeiten": contact data; name, member number and chamber stay."""

    street = TextField(label=_("Street and number"), max_length=200)
    postal_code = forms.CharField(
        label=_("Postal code"),
        max_length=5,
        validators=[postal_code_validator],
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    city = TextField(label=_("City"), max_length=100)
    phone = forms.CharField(
        label=_("Telephone"),
        required=False,
        max_length=50,
        validators=[
            RegexValidator(
                r"^\+?[0-9 ()/-]{4,50}$", _("Please enter a telephone number, e.g. 0123 456789.")
            )
        ],
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    class Meta:
        model = Company
        fields = ["street", "postal_code", "city", "email", "phone"]
        labels = {"email": _("E-mail address of the company")}


class DeletionForm(forms.Form):
    """ "Unternehmen löschen" (manual ch. 7): the reason is required."""

    reason = TextField(
        label=_("Reason for the deletion"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Please give the reason for the deletion.")},
    )


class BulkInvitationForm(forms.Form):
    """ "Mehrere Personen einladen": the CSV file (the columns are explained on the page)."""

    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("A CSV file with the columns e-mail address, first name, last name and roles."),
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
        error_messages={"required": _("Please choose a CSV file.")},
    )
