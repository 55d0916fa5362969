"""`{{ field|styled }}`: render any form field (ours or Django's auth forms) with Tabler classes."""

from django import template

register = template.Library()

_CLASS_BY_WIDGET = {"checkbox": "form-check-input", "radioselect": "form-check-input", "select": "form-select"}


@register.filter
def styled(bound_field):
    """The field's widget with the Bootstrap class for its kind, marked invalid when it has errors."""
    css = _CLASS_BY_WIDGET.get(bound_field.widget_type, "form-control")
    existing = bound_field.field.widget.attrs.get("class", "")
    if bound_field.errors:
        css += " is-invalid"
    return bound_field.as_widget(attrs={"class": f"{existing} {css}".strip()})
