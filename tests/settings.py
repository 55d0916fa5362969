"""Settings for the test suite: the product's settings with a private data directory and fast hashing."""

import os
import tempfile

os.environ.setdefault("OPENCXM_DATA_DIR", tempfile.mkdtemp(prefix="opencxm-test-"))
os.environ.setdefault("OPENCXM_FAST_PASSWORD_HASHER", "1")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "1")  # Playwright's sync API runs an event loop

from opencxm.config.settings import *  # noqa: E402,F403

# The demo loader's own tests skip the year of demo feedback (52,000 rows); opencxm/demo/tests/
# test_demo_feedback.py loads it explicitly with `feedback_scale`.
OPENCXM_DEMO_FEEDBACK_SCALE = 0
# Nor do they close the loop (insights, actions, case rules and cases of `opencxm.demo.loop`: its cases
# protect feedback rows that the feedback tests delete); opencxm/demo/tests/test_loop.py switches it on.
OPENCXM_DEMO_LOOP = False
