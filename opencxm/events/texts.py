"""The messages of the plain-Python readers, marked here so that they are translated (see views.event_message)."""

from django.utils.translation import gettext_noop as _

MESSAGES = [
    _("An activity name is longer than 300 characters: '%(value)s'."),
    _("Event %(index)s: unknown %(role)s '%(value)s'."),
    _("Row %(row)s has no %(role)s."),
    _("Row %(row)s: '%(value)s' is not a time."),
    _("Row %(row)s: times with and without a time-zone offset are mixed in one file."),
    _("Row %(row)s: unknown %(role)s '%(value)s'."),
    _("The XES file declares a DOCTYPE or entities, which are not allowed."),
    _(
        "The events name more than %(limit)s distinct activities; this looks like an identifier column, "
        "not an activity. Choose another column."
    ),
    _("The file has no column for %(role)s."),
    _("The file is not well-formed XML (line %(line)s, column %(column)s)."),
    _("Trace %(trace)s has no case name (concept:name)."),
    _("Trace %(trace)s, event %(event)s has no activity (concept:name)."),
    _("Trace %(trace)s, event %(event)s has no time (time:timestamp)."),
    _("Trace %(trace)s, event %(event)s: '%(value)s' is not a time."),
    _("The time has no time-zone offset."),
    _("The XES file could not be read: the reading process ended unexpectedly (exit status %(status)s%(detail)s)."),
]
