import pytest

from meinekammer.integration.models import EventEndpoint


@pytest.fixture
def endpoint(receiver, roles):
    application = roles["trainer"].application
    return EventEndpoint.objects.create(application=application, url=receiver.url)
