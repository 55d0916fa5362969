"""Settings for the test suite: the product's settings with a private data directory and fast hashing."""

import os
import tempfile

os.environ.setdefault("OPENCXM_DATA_DIR", tempfile.mkdtemp(prefix="opencxm-test-"))
os.environ.setdefault("OPENCXM_FAST_PASSWORD_HASHER", "1")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "1")  # Playwright's sync API runs an event loop

from opencxm.config.settings import *  # noqa: E402,F403
