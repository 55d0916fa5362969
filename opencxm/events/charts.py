"""Chart specs of a discovery result: the process map (layered directly-follows graph) and the path Sankey.

Plain data for the static builders in events/static/events/discover.js (registered with OpenCXMCharts); every
text a user reads is made here, translated, so the script only places it.
"""

from collections import Counter, defaultdict

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from opencxm.events.selectors import Discovery

SANKEY_STEPS = 6  # the first K steps of every path are unrolled
SANKEY_MIN_SHARE = 0.02  # at each step, activities with fewer cases are drawn together as "other activities"
START, END = "start", "end"


def human_duration(seconds: float | None) -> str:
    """45 s, 12 min, 3.5 h, 4.2 d: the unit that keeps the number short, in the user's number format."""
    if seconds is None:
        return "–"
    for limit, size, template in (
        (60, 1, _("%(n)s s")),
        (3600, 60, _("%(n)s min")),
        (86400, 3600, _("%(n)s h")),
        (None, 86400, _("%(n)s d")),
    ):
        if limit is None or abs(seconds) < limit:
            value = seconds / size
            decimals = 1 if size > 1 and abs(value) < 10 and round(value, 1) != round(value) else 0
            return template % {"n": number_format(round(value, decimals), decimal_pos=decimals)}
    raise AssertionError("unreachable")


def edge_rows(result: Discovery) -> list[dict]:
    """The directly-follows steps for the table: counts, share of cases, durations in words."""
    cases = result.cases or 1
    return [
        {"source": e.source, "target": e.target, "count": e.count, "share": e.count / cases,
         "median": human_duration(e.median_seconds), "p90": human_duration(e.p90_seconds)}
        for e in result.edges
    ]  # fmt: skip


def process_map(result: Discovery) -> dict:
    """Activities as nodes in columns by their typical (mean first) position in the cases, a start and an end
    marker, and the directly-follows edges; rows within a column follow the predecessors (barycentre)."""
    ids = {activity["name"]: f"a{index}" for index, activity in enumerate(result.activities)}
    columns = _columns(result)
    nodes = [{"id": START, "name": _("Start"), "kind": START, "count": result.cases, "column": 0, "row": 0}]
    for activity in result.activities:
        nodes.append({
            "id": ids[activity["name"]], "name": activity["name"], "kind": "activity", "count": activity["count"],
            "cases": activity["cases"], "column": columns[activity["name"]], "row": 0,
        })  # fmt: skip
    last = max(columns.values(), default=0) + 1
    nodes.append({"id": END, "name": _("End"), "kind": END, "count": result.cases, "column": last, "row": 0})
    edges = [
        {"source": ids[e.source], "target": ids[e.target], "kind": "step", "count": e.count,
         "median": human_duration(e.median_seconds), "p90": human_duration(e.p90_seconds)}
        for e in result.edges
    ]  # fmt: skip
    edges += [{"source": START, "target": ids[s["name"]], "kind": START, "count": s["count"]} for s in result.starts]
    edges += [{"source": ids[s["name"]], "target": END, "kind": END, "count": s["count"]} for s in result.ends]
    _rows(nodes, edges)
    return {
        "type": "processmap",
        "nodes": nodes,
        "edges": edges,
        "cases": result.cases,
        "labels": {
            "cases": _("Cases"), "events": _("Events"), "taken": _("Times taken"),
            "repeated": _("Directly repeated"), "median": _("Median time"), "medianWord": _("median"),
            "p90": _("90th percentile"), "share": _("of cases"), "starts": _("Cases starting here"),
            "ends": _("Cases ending here"), "containing": _("Cases with this activity"),
        },
    }  # fmt: skip


def _columns(result: Discovery) -> dict[str, int]:
    """Column 1.. by rounded mean first position; empty columns are closed up."""
    raw = {a["name"]: round(a["position"]) for a in result.activities}
    ranks = {value: rank + 1 for rank, value in enumerate(sorted(set(raw.values())))}
    return {name: ranks[value] for name, value in raw.items()}


def _rows(nodes: list[dict], edges: list[dict]) -> None:
    """Order each column by the weighted mean row of the node's predecessors in earlier columns, then by volume."""
    by_id = {node["id"]: node for node in nodes}
    incoming = defaultdict(list)
    for edge in edges:
        incoming[edge["target"]].append(edge)
    columns = defaultdict(list)
    for node in nodes:
        columns[node["column"]].append(node)
    for column in sorted(columns):
        members = columns[column]

        def barycentre(node, column=column):
            weights = [(by_id[e["source"]]["row"], e["count"]) for e in incoming[node["id"]]
                       if by_id[e["source"]]["column"] < column]  # fmt: skip
            total = sum(weight for _, weight in weights)
            return sum(row * weight for row, weight in weights) / total if total else 0.0

        keyed = sorted(members, key=lambda node: (barycentre(node), -node["count"], node["name"]))
        offset = (len(keyed) - 1) / 2  # centred around 0
        for index, node in enumerate(keyed):
            node["row"] = index - offset


def path_sankey(result: Discovery, steps: int = SANKEY_STEPS) -> dict:
    """The variants unrolled by step position: node "n · activity" for the first `steps` steps, links to
    the next step, to "ended" when the path ends there, or to "continues" after the last unrolled step. The
    unrolled graph is acyclic by construction; rare activities at a step are merged per step."""
    if not result.cases:
        return {"type": "pathsankey", "nodes": [], "links": [], "cases": 0, "labels": {}}
    other, ended, more = _("Other activities"), _("Ended"), _("Continues")
    at_step: list[Counter] = [Counter() for _ in range(steps)]
    for variant in result.variants:
        for index, name in enumerate(variant["path"][:steps]):
            at_step[index][name] += variant["count"]
    links: Counter = Counter()
    for variant in result.variants:
        path, n = variant["path"], variant["count"]
        shown = [_merged(name, at_step[i], result.cases, other) for i, name in enumerate(path[:steps])]
        keys = [(i + 1, name) for i, name in enumerate(shown)]
        for a, b in zip(keys, keys[1:], strict=False):
            links[(a, b)] += n
        links[(keys[-1], (0, ended if len(path) <= steps else more))] += n
    counts: Counter = Counter()
    for (a, b), n in links.items():
        counts[a] += n if a[0] == 1 else 0
        counts[b] += n
    name_of = {key: (f"{key[0]} · {key[1]}" if key[0] else key[1]) for key in counts}
    nodes = [
        {"name": name_of[key], "label": key[1], "step": key[0], "count": n, "share": n / result.cases,
         "kind": "activity" if key[0] else ("ended" if key[1] == ended else "continues")}
        for key, n in sorted(counts.items(), key=lambda item: (item[0][0] or steps + 1, -item[1], item[0][1]))
    ]  # fmt: skip
    data = [
        {"source": name_of[a], "target": name_of[b], "value": n, "share": n / result.cases}
        for (a, b), n in sorted(links.items(), key=lambda item: (item[0][0][0], -item[1]))
    ]
    return {
        "type": "pathsankey",
        "nodes": nodes,
        "links": data,
        "cases": result.cases,
        "labels": {"step": _("Step"), "cases": _("Cases"), "share": _("of cases")},
    }


def _merged(name: str, counter: Counter, cases: int, other: str) -> str:
    return name if counter[name] / cases >= SANKEY_MIN_SHARE else other
