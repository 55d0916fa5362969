import re

from django import template

register = template.Library()

URL = re.compile(r"^https?://\S+$")
NAMED_URL = re.compile(r"^(?P<name>.+?)\s*\|\s*(?P<url>https?://\S+)$")


@register.filter
def reference(entry: str) -> dict:
    """A linked process or system: {"name", "url"}; url only for http(s) addresses (never javascript: etc.)."""
    entry = (entry or "").strip()
    match = NAMED_URL.match(entry)
    if match:
        return {"name": match["name"], "url": match["url"]}
    if URL.match(entry):
        return {"name": entry, "url": entry}
    return {"name": entry, "url": ""}
