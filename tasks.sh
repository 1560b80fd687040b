#!/usr/bin/env bash
# The project's two commands (see README):
#   ./tasks.sh dataset   build the dataset: dvc repro (parse -> clean -> dedup -> validate -> package) into data/
#   ./tasks.sh test      run the test suite
# and two doors into the same environment, so every documented command works right after them:
#   ./tasks.sh pipeline ARGS   python -m pipeline ARGS   (e.g. ./tasks.sh pipeline run RAW --out OUT)
#   ./tasks.sh dvc ARGS        dvc ARGS                  (e.g. ./tasks.sh dvc metrics show)
# Both create .venv/ with the pinned dependencies (requirements.lock) on first use; only Python 3.11 is needed.
set -euo pipefail
cd "$(dirname "$0")"

PY=${PYTHON:-$(command -v python3.11 || command -v python3)}
VENV=.venv

# Offline and quiet: the HF libraries read these at import time; DVC and GX must not phone home.
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1 DVC_NO_ANALYTICS=1 \
       GX_ANALYTICS_ENABLED=false PANDERA_VALIDATION_DEPTH=SCHEMA_AND_DATA HF_DATASETS_DISABLE_PROGRESS_BARS=1
export HF_HOME=${HF_HOME:-$PWD/.cache/huggingface}

setup() {
    if [ ! -x "$VENV/bin/python" ] || ! cmp -s requirements.lock "$VENV/.installed-lock" || ! cmp -s pyproject.toml "$VENV/.installed-pyproject"; then
        echo "==> installing pinned dependencies into $VENV" >&2
        "$PY" -m venv "$VENV"
        "$VENV/bin/python" -m pip install --quiet --upgrade pip
        "$VENV/bin/python" -m pip install --quiet -r requirements.lock
        "$VENV/bin/python" -m pip install --quiet --no-deps -e .
        cp requirements.lock "$VENV/.installed-lock"
        cp pyproject.toml "$VENV/.installed-pyproject"
    fi
    export PATH="$PWD/$VENV/bin:$PATH" VIRTUAL_ENV="$PWD/$VENV"
    # The page template .dvc/config names for `dvc plots show`: Vega inlined, so the plots render offline.
    [ -s .dvc/plots/offline.html ] || python -m pipeline.plots .dvc/plots/offline.html
}

command=${1:-}
shift || true
case "$command" in
    dataset)
        setup
        dvc repro "$@"
        echo "==> dataset in data/dataset (load with: datasets.load_dataset('data/dataset'))" >&2
        ;;
    test)
        setup
        python -m pytest "$@"
        ;;
    pipeline)
        setup
        python -m pipeline "$@"
        ;;
    dvc)
        setup
        dvc "$@"
        ;;
    *)
        echo "usage: ./tasks.sh dataset|test|pipeline|dvc [args]" >&2
        exit 2
        ;;
esac
