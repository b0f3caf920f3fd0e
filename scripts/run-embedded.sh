#!/usr/bin/env bash
# The embedded default behind `make run`: migrate SQLite under var/, create the development signing
# identity, seed the demo workspace (printing its tokens), then serve with a worker in the same process.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
HOST=${PHOTAI_HOST:-127.0.0.1}
PORT=${PHOTAI_PORT:-8000}
"$PY" manage.py migrate --no-input -v0
"$PY" manage.py ensure_signing_identity
echo "Demo workspace and API tokens:"
"$PY" manage.py seed_demo
echo "Serving http://$HOST:$PORT/api/v1/ (docs: http://$HOST:$PORT/api/docs/) with an embedded worker"
PHOTAI_SERVER=1 exec "$PY" manage.py runserver --noreload "$HOST:$PORT"
