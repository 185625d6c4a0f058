#!/usr/bin/env bash
# Install soxtrail with its development extras into the virtual environment whose bin/ is $1.
#
# Real OPA (the Go implementation, embedded through opa-golib-python-bindings) is the oracle
# our Rego runs against in tests (docs/adr/0002-policy-engine.md). Its wheel declares
# Requires-Python >= 3.14 but runs on 3.11, so it is installed with --ignore-requires-python
# here rather than declared as a dependency.
set -euo pipefail
bin="$1"
"$bin/pip" install --quiet -e '.[dev]'
"$bin/pip" install --quiet --ignore-requires-python 'opa-golib-python-bindings==0.4.4'
