"""The password must not contain the user's name or address; name particles are words."""

import pytest
from django.core.exceptions import ValidationError

from meinekammer.accounts.models import User
from meinekammer.accounts.validators import PersonalDataValidator


def person(**fields) -> User:
    return User(
        first_name=fields.get("first_name", "Dominic"),
        last_name=fields.get("last_name", "van der Dussen"),
        email=fields.get("email", "d.dussen@beispiel.example"),
    )


@pytest.mark.parametrize(
    "password",
    [
        "Dominic rudert gern",
        "Familie Dussen am See",
        "beispiel bleibt beispiel",
        "d.dussen@beispiel.example!",
    ],
)
def test_name_and_address_parts_are_refused(password):
    with pytest.raises(ValidationError):
        PersonalDataValidator().validate(password, person())


def test_name_particles_are_ordinary_words():
    PersonalDataValidator().validate("Der Leuchtturm blinkt dreimal", person())
    PersonalDataValidator().validate("Von hier aus zum Meer", person(last_name="von Zur Mühlen"))
