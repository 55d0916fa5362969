"""The parsed form of an event and the errors of reading event files (plain Python, no Django)."""

from dataclasses import dataclass, field
from datetime import datetime


class EventError(Exception):
    """A file or batch cannot be imported. ``template``/``params`` allow translation in the Django layer."""

    def __init__(self, code: str, template: str, **params: object) -> None:
        self.code, self.template, self.params = code, template, params
        super().__init__(template % params)

    @property
    def message(self) -> str:
        return self.template % self.params


@dataclass
class EventRecord:
    case: str
    activity: str
    timestamp: datetime
    lifecycle: str = ""
    resource: str = ""
    channel: str = ""
    department: str = ""
    attributes: dict = field(default_factory=dict)
    where: dict = field(default_factory=dict)  # position in the file, for messages
