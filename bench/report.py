"""Print the Markdown tables of bench/README.md from bench/results/*.json.

.venv/bin/python bench/report.py
"""

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
QUERY_LABELS = {
    "kpi_nps": "KPI tile NPS (run_one)",
    "kpi_csat": "KPI tile CSAT (run_one)",
    "kpi_ces": "KPI tile CES (run_one)",
    "kpi_responses": "KPI tile responses (run_one)",
    "trend_nps_month": "trend NPS by month",
    "heatmap_nps": "heatmap NPS touchpoint × month",
    "soll_ist_csat_mean": "Soll-Ist CSAT mean by touchpoint",
    "cockpit_build": "**whole cockpit (`cockpit_build`)**",
}


def import_table(files) -> list[str]:
    lines = [
        "| file | engine | rows | runs | product rows/s | raw rows/s | ratio (goal ≥ 0.2 on PostgreSQL) "
        "| schema floor rows/s | floor/raw | product/floor | peak RSS (goal < 500 MB) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]  # fmt: skip
    for path in files:
        data = json.loads(path.read_text())
        for engine, r in data["results"].items():
            floor = r.get("floor_rows_per_s")
            floor_cells = (f"{floor:,} | {r['floor_over_raw']:.3f} | {r['product_over_floor']:.2f}" if floor
                           else "– | – | –")  # fmt: skip
            lines.append(
                f"| {path.name} | {engine} | {r['rows']:,} | {len(r['product_seconds'])} | "
                f"{r['product_rows_per_s']:,} | {r['raw_rows_per_s']:,} | {r['ratio']:.3f} | {floor_cells} | "
                f"{r['peak_rss_mb']:.0f} MB |"
            )
    return lines


def cockpit_tables(files) -> list[str]:
    lines = []
    for path in files:
        data = json.loads(path.read_text())
        for engine, r in data["results"].items():
            lines += [
                "",
                f"**{engine}, {r['rows']:,} responses** ({path.name}; load {r['load_s']} s, "
                f"`rollup_rebuild()` {r['rollup_rebuild_s']} s → {r['rollup_rows']:,} rollup rows; "
                f"median of {data['repeat']} runs)",
                "",
                "| query | company: ours ms | DuckDB ms | ratio | department: ours ms | DuckDB ms | ratio |",
                "|---|---:|---:|---:|---:|---:|---:|",
            ]
            for key, label in QUERY_LABELS.items():
                c, d = r["queries"][key], r["queries"][f"dept_{key}"]
                lines.append(
                    f"| {label} | {c['ours_ms']:.1f} | {c['duckdb_ms']:.1f} | {c['ratio']:.2f} | "
                    f"{d['ours_ms']:.1f} | {d['duckdb_ms']:.1f} | {d['ratio']:.2f} |"
                )
    return lines


def main() -> None:
    imports = sorted(RESULTS.glob("import-*.json"))
    cockpits = sorted(RESULTS.glob("cockpit-*.json"))
    print("\n".join(import_table(imports) + cockpit_tables(cockpits)))


if __name__ == "__main__":
    main()
