#!/usr/bin/env bash
# Install everything and run the whole test suite: lint, types, import contracts, then
# unit, integration (SQLite and PostgreSQL) and end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v uv >/dev/null 2>&1; then
  python3 -m pip install --quiet --root-user-action=ignore uv
fi
uv sync --frozen --quiet

echo "== ruff"
uv run ruff check .
uv run ruff format --check .
echo "== mypy"; uv run mypy
echo "== import contracts"; uv run lint-imports
echo "== tests (SQLite and PostgreSQL at ${SUNBID_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test})"
uv run pytest -n "${SUNBID_TEST_WORKERS:-2}" "$@"
