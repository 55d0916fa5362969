"""Forms for departments, users, memberships and API tokens (Tabler/Bootstrap classes set here)."""

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from opencxm.accounts.choices import Role, TokenScope
from opencxm.accounts.models import Department, User


class DepartmentForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = ["code", "name", "description", "customer_facing"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class UserCreateForm(forms.Form):
    PASSWORD_NOW = "password"
    PASSWORD_BY_MAIL = "mail"

    username = forms.CharField(label=_("Username"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail address"), required=False)
    password_mode = forms.ChoiceField(
        label=_("Password"),
        choices=[
            (PASSWORD_BY_MAIL, _("Send a link to choose a password by e-mail")),
            (PASSWORD_NOW, _("Set a password now")),
        ],
        initial=PASSWORD_BY_MAIL,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    password = forms.CharField(
        label=_("Initial password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters. Only needed when you set a password now."),
    )

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("A user with this username already exists."))
        return username

    def clean(self):
        cleaned = super().clean()
        mode = cleaned.get("password_mode")
        if mode == self.PASSWORD_BY_MAIL and not cleaned.get("email"):
            self.add_error("email", _("An e-mail address is needed to send the link."))
        if mode == self.PASSWORD_NOW:
            self._check_password(cleaned)
        return cleaned

    def _check_password(self, cleaned):
        password = cleaned.get("password")
        if not password:
            self.add_error("password", _("Enter a password or choose to send a link."))
            return
        candidate = User(username=cleaned.get("username", ""), email=cleaned.get("email", ""))
        try:
            password_validation.validate_password(password, candidate)
        except forms.ValidationError as error:
            self.add_error("password", error)


class UserEditForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "is_active"]
        labels = {"is_active": _("Active (can sign in)")}
        help_texts = {"is_active": _("Deactivate people who leave instead of deleting them; history stays intact.")}


class MembershipForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.order_by("name"),
        to_field_name="public_id",
        empty_label=_("Choose a department"),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.AMBASSADOR)


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. “Nightly NPS import”.")
    )
    scope = forms.ChoiceField(label=_("Scope"), choices=TokenScope.choices, initial=TokenScope.READ)
    expires_in_days = forms.IntegerField(
        label=_("Expires after (days)"),
        required=False,
        min_value=1,
        max_value=3650,
        help_text=_("Leave empty for a token that does not expire."),
    )
