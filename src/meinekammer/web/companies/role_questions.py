"""The "+" of every row of "Unternehmensmitglieder" (manual ch. 6, step 6): one Ja/Nein question
per role of every active application, and "Unternehmensadministrator".

A page shows 25 members, and each asks every role of the catalogue: with 50 applications of
three roles that is 3,750 questions, 7,500 radio buttons. Built as `MemberForm`s and rendered
through `web/forms/field.html`, that took ~1 s a page (bench/README.md, "Large data"); this
writes the same markup (tests/web/test_role_questions.py compares the two) from the catalogue,
escaped once per page, in ~1 µs a question. The forms stay what checks a saved answer
(`member_views.member_save`).
"""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from meinekammer.applications.models import Application

from .member_forms import NO, YES


class RoleQuestions:
    """The catalogue of one page, escaped once; `for_member` writes one member's questions."""

    def __init__(self, applications: list[Application]) -> None:
        self.groups = [
            (
                escape(application.name),
                [(role.pk, escape(role.name)) for role in application.role_list],  # type: ignore[attr-defined]
            )
            for application in applications
        ]
        self.yes, self.no = escape(gettext("Yes")), escape(gettext("No"))
        self.admin_label = escape(gettext("Company administrator"))
        self.no_roles = escape(gettext("No connected application offers roles yet."))

    def question(self, name: str, label: str, answer: bool) -> str:
        field_id = f"id_{name}"
        yes, no = (" checked", "") if answer else ("", " checked")
        return (
            f'\n\n<fieldset class="kern-fieldset mk-field" id="{field_id}" role="radiogroup"'
            f' aria-required="true">\n<legend class="kern-label">{label}</legend>\n\n\n\n'
            f'<div class="kern-fieldset__body kern-fieldset__body--horizontal">\n'
            f'<div class="kern-form-check">\n<input class="kern-form-check__radio" type="radio"'
            f' name="{name}" value="{YES}" id="{field_id}_0"{yes} required>\n'
            f'<label class="kern-label" for="{field_id}_0">{self.yes}</label>\n'
            f'</div><div class="kern-form-check">\n<input class="kern-form-check__radio"'
            f' type="radio" name="{name}" value="{NO}" id="{field_id}_1"{no} required>\n'
            f'<label class="kern-label" for="{field_id}_1">{self.no}</label>\n'
            f"</div>\n</div>\n</fieldset>\n\n"
        )

    def for_member(self, *, prefix: str, held: set[int], is_admin: bool) -> SafeString:
        parts = []
        for application_name, roles in self.groups:
            parts.append(
                '\n<fieldset class="kern-fieldset mk-role-group"><legend class="kern-label'
                f' kern-body--bold">{application_name}</legend>\n'
            )
            parts.extend(
                self.question(f"{prefix}-role_{pk}", label, pk in held) for pk, label in roles
            )
            parts.append("\n</fieldset>\n")
        if not self.groups:
            parts.append(f'<p class="kern-body">{self.no_roles}</p>\n')
        parts.append(self.question(f"{prefix}-is_admin", self.admin_label, is_admin))
        return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
