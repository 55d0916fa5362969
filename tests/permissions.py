"""The permission matrix vocabulary. Each app lists its cases in `opencxm/<app>/tests/permission_cases.py`
as `CASES = [Case(...), ...]`; tests/test_permission_matrix.py runs every case for every persona and
checks that every page URL and every API operation has at least one case.

- `name`: the URL name ("touchpoints:edit") for pages, "METHOD /api/v1/path/{param}" for API operations
  (exactly as in the OpenAPI schema).
- `path(world)`: the concrete URL; `data(world)`: the form or JSON body (for writes).
- `allowed`: personas that may do it (see tests.fixtures.PERSONAS).
- `state(world)`: a snapshot of what the request could change; when a persona is denied, the snapshot
  after the request must equal the one before (a denied write changed nothing).
"""

from collections.abc import Callable
from dataclasses import dataclass

ALL = frozenset({"other_department", "viewer", "ambassador", "cx_team", "admin"})  # every signed-in persona
EDITORS = frozenset({"cx_team", "admin"})  # CX lead/team and administrators
OWN_DEPARTMENT = frozenset({"ambassador", "cx_team", "admin"})  # ambassador of the owning department and editors
ORG_MANAGERS = frozenset({"admin"})  # CX lead and administrators (the world has no cx_lead persona)


@dataclass(frozen=True)
class Case:
    name: str
    path: Callable
    allowed: frozenset
    method: str = "GET"
    data: Callable | None = None
    state: Callable | None = None
    htmx: bool = False

    @property
    def is_api(self) -> bool:
        return " /api/" in self.name

    def __str__(self):
        return f"{self.method} {self.name}"
