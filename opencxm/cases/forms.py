"""Forms of the cases pages: inbox filters, the case actions and case rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from opencxm.accounts.models import Department, User
from opencxm.cases.choices import THRESHOLD_RANGE, TOPIC_TRIGGERS, RootCause, Status, Trigger
from opencxm.cases.models import CaseRule
from opencxm.cases.selectors import CaseFilters
from opencxm.core.forms import tabler_classes
from opencxm.feedback.models import DataSource
from opencxm.journeys.models import Segment
from opencxm.textanalytics.models import Topic
from opencxm.touchpoints.models import Touchpoint

STATUS_FILTERS = [("active", _("all open")), *Status.choices, ("all", _("all"))]
ASSIGNEE_FILTERS = [("", _("anyone")), ("me", _("assigned to me")), ("none", _("unassigned"))]


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_FILTERS, required=False)
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False, to_field_name="public_id",
        empty_label=_("all departments"),
    )  # fmt: skip
    assignee = forms.ChoiceField(label=_("Assignee"), choices=ASSIGNEE_FILTERS, required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        tabler_classes(self)

    def filters(self) -> CaseFilters:
        if not self.is_valid():
            return CaseFilters()
        data = self.cleaned_data
        department = data.get("department")
        return CaseFilters(
            status=data.get("status") or "active",
            department=department.public_id if department else None,
            assignee=data.get("assignee") or "",
            overdue=bool(data.get("overdue")),
        )


class VersionForm(forms.Form):
    """Every action carries the version the user saw, so a change by someone else in between is detected."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        tabler_classes(self)


class AssignForm(VersionForm):
    assignee = forms.ModelChoiceField(
        label=_("Assign to"), queryset=User.objects.none(), to_field_name="public_id", empty_label="---------"
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        members = User.objects.filter(is_active=True, memberships__department_id=case.department_id).distinct()
        self.fields["assignee"].queryset = members.order_by("last_name", "first_name", "username")


class CommentForm(VersionForm):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class HandoverForm(VersionForm):
    to_department = forms.ModelChoiceField(
        label=_("Hand over to"), queryset=Department.objects.none(), to_field_name="public_id", empty_label="---------"
    )
    note = forms.CharField(
        label=_("Note for the receiving department"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_department"].queryset = Department.objects.exclude(pk=case.department_id).order_by("name")


class EscalateForm(VersionForm):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)


class CloseForm(VersionForm):
    root_cause = forms.ChoiceField(label=_("Root cause"), choices=[("", "---------"), *RootCause.choices])
    root_cause_detail = forms.CharField(
        label=_("Root cause details"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )
    resolution = forms.CharField(label=_("Resolution"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


ACTION_FORMS = {
    "assign": AssignForm,
    "comment": CommentForm,
    "handover": HandoverForm,
    "escalate": EscalateForm,
    "close": CloseForm,
}
CASE_BOUND = {"assign", "handover"}


def action_form(action: str, case, data=None):
    form_class = ACTION_FORMS[action]
    initial = {"version": case.version}
    if action in CASE_BOUND:
        return form_class(data, case=case, initial=initial, prefix=action)
    return form_class(data, initial=initial, prefix=action)


class TopicChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.parent.name} › {obj.name}" if obj.parent_id else obj.name


class CaseRuleForm(forms.ModelForm):
    topics = TopicChoiceField(
        label=_("Topics"), queryset=Topic.objects.none(), required=False,
        help_text=_("For “negative comment on a topic”: a negative comment on any of these topics opens a case (a "
                    "main topic includes its subtopics). Checked when the comment has been analysed."),
    )  # fmt: skip

    class Meta:
        model = CaseRule
        fields = ["name", "active", "trigger", "threshold", "topics", "priority", "sla_hours", "sources",
                  "touchpoints", "segments"]  # fmt: skip
        help_texts = {
            "threshold": _("NPS 0–10 (default 6) or CSAT 1–5 (default 2); not used for complaints and topics."),
            "sources": _("Leave empty for every source."),
            "touchpoints": _("Leave empty for every touchpoint."),
            "segments": _("Leave empty for every segment."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sources"].queryset = DataSource.objects.order_by("name")
        self.fields["touchpoints"].queryset = Touchpoint.objects.order_by("code")
        self.fields["segments"].queryset = Segment.objects.order_by("name")
        chosen = self.instance.topics.all() if self.instance.pk else Topic.objects.none()
        topics = Topic.objects.filter(pk__in=chosen) | Topic.objects.filter(active=True)
        self.fields["topics"].queryset = topics.select_related("parent").order_by("key").distinct()
        self.fields["sla_hours"].min_value = 1
        self.fields["sla_hours"].widget.attrs["min"] = 1
        for name in ("sources", "touchpoints", "segments", "topics"):
            self.fields[name].widget.attrs["size"] = 6
        tabler_classes(self)

    def clean(self):
        data = super().clean()
        trigger, threshold = data.get("trigger"), data.get("threshold")
        bounds = THRESHOLD_RANGE.get(trigger)
        if bounds and threshold is not None and not bounds[0] <= threshold <= bounds[1]:
            self.add_error("threshold", _("Between %(low)s and %(high)s.") % {"low": bounds[0], "high": bounds[1]})
        if trigger in (Trigger.COMPLAINT, *TOPIC_TRIGGERS):
            data["threshold"] = None
        if trigger in TOPIC_TRIGGERS and "topics" in data and not data["topics"]:
            self.add_error("topics", _("Choose at least one topic for this trigger."))
        elif trigger and trigger not in TOPIC_TRIGGERS:
            data["topics"] = []
        if data.get("sla_hours") is not None and data["sla_hours"] < 1:
            self.add_error("sla_hours", _("At least one hour."))
        return data
