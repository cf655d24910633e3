from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.compatibility, deploy=True)
def check_operator_details(app_configs, **kwargs):
    """The imprint needs the operator's details; warn on deploy checks when they are missing."""
    missing = [
        k
        for k in ("name", "street", "postal_code", "city", "email")
        if not settings.OPERATOR.get(k)
    ]
    if missing:
        return [
            Warning(
                "The imprint lacks operator details: " + ", ".join(missing),
                hint="Set OPERATOR_NAME, OPERATOR_STREET, OPERATOR_POSTAL_CODE, OPERATOR_CITY "
                "and OPERATOR_EMAIL in the environment.",
                id="meinekammer.W001",
            )
        ]
    return []
