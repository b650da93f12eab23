#!/usr/bin/env bash
# Install everything and start the platform on the embedded default: a SQLite file and a
# blob directory under ./var, with demo organisations, users and tenders.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v uv >/dev/null 2>&1; then
  python3 -m pip install --quiet --root-user-action=ignore uv
fi
uv sync --frozen --quiet
exec uv run sunbid serve --demo "$@"
