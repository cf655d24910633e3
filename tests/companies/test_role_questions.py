"""The member list's "+" (web/companies/role_questions.py) writes exactly what MemberForm
rendered through web/forms/field.html writes: the same names, ids, answers and labels."""

import re

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape

from meinekammer.applications.models import Application, AppRole
from meinekammer.companies.services.members import applications_with_roles
from meinekammer.web.companies.member_forms import MemberForm
from meinekammer.web.companies.role_questions import RoleQuestions

pytestmark = pytest.mark.django_db


def by_the_form(applications, held, is_admin, prefix) -> str:
    form = MemberForm(applications=applications, held=held, is_admin=is_admin, prefix=prefix)
    parts = []
    for application, names in form.role_fields:
        parts.append(
            '<fieldset class="kern-fieldset mk-role-group"><legend class="kern-label'
            f' kern-body--bold">{escape(application.name)}</legend>'  # as {{ }} writes it
        )
        parts += [render_to_string("web/forms/field.html", {"field": form[n]}) for n in names]
        parts.append("</fieldset>")
    if not form.role_fields:
        parts.append('<p class="kern-body">' + "No connected application offers roles yet.</p>")
    parts.append(render_to_string("web/forms/field.html", {"field": form["is_admin"]}))
    return "".join(parts)


def squeezed(html: str) -> str:
    return re.sub(r"\s*\n\s*", "", html)


@pytest.fixture
def catalogue(roles):
    other = Application.objects.create(name='Prüfungen <b>&"Co"</b>')
    AppRole.objects.create(application=other, key="pruefer", name_de="Prüfer & Co", name_en="Ex")
    AppRole.objects.create(application=other, key="leser", name_de="Leser", name_en="Reader")
    return applications_with_roles()


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("is_admin", [True, False])
def test_the_questions_are_the_forms_markup(catalogue, language, is_admin):
    held = {catalogue[0].role_list[0].pk, catalogue[-1].role_list[-1].pk}
    with translation.override(language):
        expected = by_the_form(catalogue, held, is_admin, "m42")
        written = RoleQuestions(catalogue).for_member(prefix="m42", held=held, is_admin=is_admin)
    assert squeezed(written) == squeezed(expected)
    assert "&lt;b&gt;&amp;&quot;Co&quot;&lt;/b&gt;" in written  # the names are escaped
    assert "<b>" not in written


def test_without_applications_only_the_admin_question(db):
    with translation.override("en"):
        expected = by_the_form([], set(), False, "m1")
        written = RoleQuestions([]).for_member(prefix="m1", held=set(), is_admin=False)
    assert squeezed(written) == squeezed(expected)
    assert "No connected application offers roles yet." in written


# --- The member list: "+" opens one member's questions ------------------------------------


@pytest.fixture
def members(company, roles, admin):
    from tests.companies.factories import MembershipFactory

    return [MembershipFactory(company=company, user__last_name=f"Mitglied{n}") for n in range(3)]


def administration(client, company, **query):
    from django.urls import reverse

    return client.get(reverse("companies:administration", args=[company.pk]), query)


def test_the_list_asks_no_question_until_a_plus_is_followed(client, company, admin, members):
    client.force_login(admin)
    page = administration(client, company).content.decode()
    assert page.count('aria-expanded="false"') == 4  # the admin and three members
    assert 'type="radio"' not in page
    assert f'href="?rollen={members[1].pk}#mitglied-{members[1].pk}"' in page


def test_a_plus_opens_that_members_questions_only(client, company, admin, members, roles):
    client.force_login(admin)
    opened = members[1]
    page = administration(client, company, q="Mitglied", rollen=opened.pk).content.decode()
    assert f'name="m{opened.pk}-role_{roles["trainer"].pk}"' in page
    assert f'name="m{opened.pk}-is_admin"' in page
    assert f'name="m{members[0].pk}-is_admin"' not in page
    assert page.count('aria-expanded="true"') == 1
    # "−" closes it and keeps the search; "Speichern" comes back to the list without it.
    assert f'href="?q=Mitglied#mitglied-{opened.pk}" aria-expanded="true"' in page
    assert '<input type="hidden" name="next" value="/unternehmen/' in page
    assert f'{company.pk}/?q=Mitglied">' in page


@pytest.mark.parametrize("rollen", ["abc", "-1", "9" * 40, "99999999", "1 OR 1=1", "\x00"])
def test_a_wrong_or_foreign_member_opens_none(client, company, admin, members, rollen):
    client.force_login(admin)
    response = administration(client, company, rollen=rollen)
    assert response.status_code == 200
    assert 'type="radio"' not in response.content.decode()


def test_a_member_of_another_company_opens_none(client, company, admin, members, chamber):
    from tests.companies.factories import CompanyFactory, MembershipFactory

    foreign = MembershipFactory(company=CompanyFactory(chamber=chamber, name="Andere GmbH"))
    client.force_login(admin)
    page = administration(client, company, rollen=foreign.pk).content.decode()
    assert 'type="radio"' not in page
    assert foreign.user.email not in page


# --- The list's order and search follow the account (companies/member_text.py) --------------


def test_the_list_follows_a_changed_name_and_address(client, company, admin, members):
    member = members[0]
    user = member.user
    user.last_name, user.email = "Straßburger", "neu.adresse@example.com"
    user.save()
    client.force_login(admin)
    for query in ("strassburger", "STRASSBURGER", "Straßburger", "neu.adresse"):
        page = administration(client, company, q=query).content.decode()
        assert user.email in page, query
        assert "1 Mitglied" in page or "1 member" in page
    member.refresh_from_db()
    assert member.sort_name.startswith("Straßburger\t")


def test_a_login_does_not_touch_the_memberships(company, members, django_assert_num_queries):
    user = members[0].user
    with django_assert_num_queries(1):  # the account's own UPDATE only
        user.save(update_fields=["last_login"])


def test_the_list_is_sorted_by_last_then_first_name(client, company, admin):
    from tests.companies.factories import MembershipFactory

    for first, last in [("Bea", "Meierhof"), ("Carl", "Meier"), ("Anna", "Meier")]:
        MembershipFactory(company=company, user__first_name=first, user__last_name=last)
    client.force_login(admin)
    page = administration(client, company, q="meier").content.decode()
    assert page.index("Anna Meier") < page.index("Carl Meier") < page.index("Bea Meierhof")
