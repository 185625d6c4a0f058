#!/usr/bin/env bash
# Install soxtrail with its development extras into the virtual environment whose bin/ is $1.
set -euo pipefail
bin="$1"
"$bin/pip" install --quiet -e '.[dev]'
"$(dirname "$0")/install-opa.sh" "$bin"
