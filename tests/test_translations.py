"""German translation complete: every app's catalogue covers every string its code and templates mark
for translation, with nothing untranslated or fuzzy, and the compiled .mo matches the .po."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

PACKAGE = Path(__file__).resolve().parent.parent / "opencxm"
APPS = sorted(p.parent.parent.parent.parent.name for p in PACKAGE.glob("*/locale/de/LC_MESSAGES/django.po"))


def _statistics(po_file: Path) -> str:
    result = subprocess.run(
        ["msgfmt", "--statistics", "--check-format", "-o", os.devnull, str(po_file)],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stderr.strip()


def test_every_app_with_user_text_has_a_german_catalogue():
    assert set(APPS) >= {"core", "accounts", "touchpoints", "journeys"}


@pytest.mark.parametrize("app", APPS)
def test_german_catalogue_is_complete(app, tmp_path):
    copy = tmp_path / app
    shutil.copytree(PACKAGE / app, copy, ignore=shutil.ignore_patterns("__pycache__", "tests"))
    cwd = os.getcwd()
    os.chdir(copy)
    try:
        call_command("makemessages", locale=["de"], no_obsolete=True, verbosity=0)
    finally:
        os.chdir(cwd)
    po_text = (copy / "locale/de/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in po_text, f"{app}: fuzzy entries (the header too) are ignored by msgfmt"
    assert "charset=UTF-8" in po_text
    stats = _statistics(copy / "locale/de/LC_MESSAGES/django.po")
    assert "untranslated" not in stats and "fuzzy" not in stats, f"{app}: {stats}"


@pytest.mark.parametrize("app", APPS)
def test_compiled_catalogue_is_current(app, tmp_path):
    po = PACKAGE / app / "locale/de/LC_MESSAGES/django.po"
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(po)], check=True)
    assert compiled.read_bytes() == (po.parent / "django.mo").read_bytes(), f"{app}: run compilemessages"
