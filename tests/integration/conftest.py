import pytest

from meinekammer.integration.models import EventEndpoint
from tests.receiving import Receiver


@pytest.fixture
def receiver(tmp_path):
    running = Receiver(tmp_path / "received.jsonl")
    running.start()
    yield running
    running.stop()


@pytest.fixture
def endpoint(receiver, roles):
    application = roles["trainer"].application
    return EventEndpoint.objects.create(application=application, url=receiver.url)
