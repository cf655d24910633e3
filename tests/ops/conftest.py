# Shared fixtures: a chamber (tests/companies) for the retention tests, and the OpenID Connect
# fixtures of tests/applications (a client, a trainer with a role) for the metrics and logs.
from tests.applications.conftest import oidc_client, portal_role, trainer  # noqa: F401
from tests.companies.conftest import chamber  # noqa: F401
