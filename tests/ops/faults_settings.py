"""The test settings with sessions where production keeps them when REDIS_URL is set: in the
cache (settings/base.py; settings/test.py keeps them in the database for every test). For the
app servers of tests/ops/test_faults.py."""

from meinekammer.settings.test import *  # noqa: F403
from meinekammer.settings.test import REDIS_URL

if REDIS_URL:
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
