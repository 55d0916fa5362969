"""One way to give Django form widgets Tabler (Bootstrap 5) classes, shared by every app's forms."""

from django import forms


def tabler_classes(form: forms.BaseForm, *, mark_invalid: bool = False) -> forms.BaseForm:
    """Give each visible widget the class for its kind (a class set on the widget itself is kept). With
    `mark_invalid`, a bound form is validated and fields with errors are marked invalid: only for a finished
    form (a view wrapping the constructor), never from inside a form's own __init__. Returns the form."""
    errors = form.errors if mark_invalid and form.is_bound else {}
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput | forms.MultipleHiddenInput):
            continue
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):  # SelectMultiple included
            css = "form-select"
        else:
            css = "form-control"
        css = widget.attrs.get("class") or css
        if name in errors and "is-invalid" not in css:
            css += " is-invalid"
        widget.attrs["class"] = css
    return form
