import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from meinekammer.chambers.models import Chamber
from meinekammer.web.accounts.forms import validate_no_control_characters

REASON_MAX_LENGTH = 2000
REGISTER_NUMBER = re.compile(r"^(HRA|HRB|GNR|PR|VR|GSR)\s?\d{1,6}(\s?[A-Z]{1,2})?$", re.IGNORECASE)
MEMBER_NUMBER = re.compile(r"^\d{4,12}$")


class TextField(forms.CharField):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.validators.append(validate_no_control_characters)


class CompanyRegistrationForm(forms.Form):
    """ "Neues Unternehmen anlegen" (manual ch. 3): name and address required, the rest helps."""

    chamber = forms.ModelChoiceField(
        label=_("Your chamber"),
        queryset=Chamber.objects.filter(is_active=True).order_by("name"),
        empty_label=_("Please choose"),
        help_text=_("The chamber in whose district the company or this site of it is located."),
    )
    name = TextField(
        label=_("Company name"),
        max_length=300,
        help_text=_("The exact name as in the imprint of your company, with its legal form."),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    street = TextField(
        label=_("Street and number"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    postal_code = forms.CharField(
        label=_("Postal code"),
        max_length=5,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    city = TextField(
        label=_("City"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    member_number = forms.CharField(
        label=_("Member number (Identnummer)"),
        required=False,
        max_length=20,
        help_text=_(
            "You find your member number (= Identnummer) on many letters from your chamber. It makes the check faster."
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    register_court = TextField(
        label=_("Register court"),
        required=False,
        max_length=100,
        help_text=_("For example: Amtsgericht Musterstadt."),
    )
    register_number = forms.CharField(
        label=_("Commercial register number"),
        required=False,
        max_length=30,
        help_text=_(
            "For example HRB 12345. You find it in the imprint of your website or in your e-mail signature."
        ),
    )

    def clean_postal_code(self) -> str:
        value = self.cleaned_data["postal_code"].strip()
        if not re.fullmatch(r"\d{5}", value):
            raise ValidationError(_("A German postal code has five digits."), code="postal_code")
        return value

    def clean_member_number(self) -> str:
        value = re.sub(r"\s+", "", self.cleaned_data["member_number"])
        if value and not MEMBER_NUMBER.fullmatch(value):
            raise ValidationError(
                _("The member number consists of 4 to 12 digits."), code="member_number"
            )
        return value

    def clean_register_number(self) -> str:
        value = " ".join(self.cleaned_data["register_number"].split()).upper()
        if value and not REGISTER_NUMBER.fullmatch(value):
            raise ValidationError(
                _("Please enter the register number as in the register, for example HRB 12345."),
                code="register_number",
            )
        return value

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        court, number = cleaned.get("register_court"), cleaned.get("register_number")
        if number and not court and "register_court" not in self.errors:
            self.add_error("register_court", _("Please also enter the register court."))
        if court and not number and "register_number" not in self.errors:
            self.add_error("register_number", _("Please also enter the register number."))
        return cleaned


class ActivationForm(forms.Form):
    """ "Unternehmen aktivieren": the three values from the letter."""

    password = forms.CharField(
        label=_("Activation password"),
        max_length=40,
        strip=True,
        help_text=_(
            "From the letter of your chamber, e.g. ABCD-EFGH-JKLM. Upper or lower case and the hyphens do not matter."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    member_number = forms.CharField(
        label=_("Member number (Identnummer)"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    chamber_number = forms.CharField(
        label=_("Chamber number"),
        max_length=3,
        help_text=_("The three-digit number of your chamber; it is in the letter too."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_chamber_number(self) -> str:
        value = self.cleaned_data["chamber_number"].strip()
        if not re.fullmatch(r"\d{3}", value):
            raise ValidationError(
                _("The chamber number has exactly three digits."), code="chamber_number"
            )
        return value


class ReasonForm(forms.Form):
    reason = TextField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class OptionalReasonForm(forms.Form):
    reason = TextField(
        label=_("Reason"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        help_text=_("For example: the company administrator has left the company."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ApproveRegistrationForm(forms.Form):
    directory_entry = forms.IntegerField(
        label=_("Directory entry"),
        error_messages={
            "required": _("Please choose the matching entry of the company directory.")
        },
        widget=forms.HiddenInput,
    )
