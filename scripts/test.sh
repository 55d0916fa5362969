#!/usr/bin/env bash
# The whole test suite: lint, then every test on SQLite and on PostgreSQL (DATABASE_URL or the local server).
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
export OPENCXM_DATA_DIR="${OPENCXM_TEST_DATA_DIR:-$(mktemp -d)}"
echo "== lint (ruff)"
$py -m ruff check .
$py -m ruff format --check .
echo "== tests on SQLite"
env -u DATABASE_URL $py -m pytest -q "$@"
echo "== tests on PostgreSQL"
DATABASE_URL="${OPENCXM_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/opencxm}" $py -m pytest -q "$@"
