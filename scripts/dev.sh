#!/usr/bin/env bash
# One entry point for developers and CI; every task sets the machine up first.
#   bash scripts/dev.sh demo    generate the sample workbooks into build/ and validate them
#   bash scripts/dev.sh test    run the test suite (what .ci/run calls)
#   bash scripts/dev.sh bench   run the benchmarks
#   bash scripts/dev.sh lint    ruff check + format check
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
start_postgres() {
    # PostgreSQL for the server tests' second run (SQLite is the default and always tested).
    # Only as root (CI, fresh machines); elsewhere set GIDR_TEST_DATABASE_URL yourself.
    if [ "$(id -u)" != 0 ] || ! command -v pg_ctlcluster >/dev/null 2>&1; then return 0; fi
    local cluster
    cluster=$(pg_lsclusters -h | awk 'NR==1 {print $1" "$2}')
    [ -n "$cluster" ] || return 0
    # shellcheck disable=SC2086
    pg_ctlcluster $cluster start >/dev/null 2>&1 || true
    if su postgres -c "psql -qc \"DO \\\$\\\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='gidr') THEN CREATE ROLE gidr LOGIN PASSWORD 'gidr'; END IF; END\\\$\\\$\"" >/dev/null 2>&1 &&
       su postgres -c "psql -qtc \"SELECT 1 FROM pg_database WHERE datname='gidr_test'\" | grep -q 1 || createdb -O gidr gidr_test" >/dev/null 2>&1; then
        export GIDR_TEST_DATABASE_URL="postgresql+psycopg://gidr:gidr@127.0.0.1/gidr_test"
    fi
}
task="${1:-demo}"
shift || true
case "$task" in
    demo)  exec .venv/bin/gidr demo "$@" ;;
    test)  start_postgres; exec .venv/bin/python -m pytest -q "$@" ;;
    bench) exec .venv/bin/python -m benchmarks "$@" ;;
    lint)  .venv/bin/ruff check gidr_xl tests benchmarks && exec .venv/bin/ruff format --check gidr_xl tests benchmarks ;;
    *)     echo "未知任务：$task（可用：demo、test、bench、lint）" >&2; exit 2 ;;
esac
