#!/usr/bin/env bash
# One entry point for developers and CI; every task sets the machine up first.
#   bash scripts/dev.sh demo    generate the sample workbooks into build/ and validate them
#   bash scripts/dev.sh test    run the test suite (what .ci/run calls)
#   bash scripts/dev.sh bench   run the benchmarks
#   bash scripts/dev.sh lint    ruff check + format check
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
task="${1:-demo}"
shift || true
case "$task" in
    demo)  exec .venv/bin/gidr demo "$@" ;;
    test)  exec .venv/bin/python -m pytest -q "$@" ;;
    bench) exec .venv/bin/python -m benchmarks "$@" ;;
    lint)  .venv/bin/ruff check gidr_xl tests benchmarks && exec .venv/bin/ruff format --check gidr_xl tests benchmarks ;;
    *)     echo "未知任务：$task（可用：demo、test、bench、lint）" >&2; exit 2 ;;
esac
