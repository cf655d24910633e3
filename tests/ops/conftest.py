# Shared fixtures: the OpenID Connect fixtures of tests/applications (a client, a trainer with
# a role) for the metrics and logs; the chamber comes from tests/company_fixtures.py.
from tests.applications.conftest import oidc_client, portal_role, trainer  # noqa: F401
