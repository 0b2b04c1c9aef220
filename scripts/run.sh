#!/usr/bin/env bash
# Quick start 1: set everything up, then run the pipeline on samples/ into output/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
.venv/bin/glossary-pipeline run samples -o output "$@"
