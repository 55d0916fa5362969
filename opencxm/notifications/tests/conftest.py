import pytest


@pytest.fixture
def immediate_tasks(settings):
    """Run enqueued tasks at once (the database worker is not running in tests)."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
