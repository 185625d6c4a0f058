#!/usr/bin/env bash
# Install the policy engine: real OPA (Go), embedded through opa-golib-python-bindings.
#
# The wheel declares Requires-Python >= 3.14 but is built for and runs on 3.11 (it is a Go
# c-shared library loaded with ctypes), so pip needs --ignore-requires-python, which a
# dependency in pyproject.toml cannot carry. Pinned exactly: it is young software.
# Why OPA and not regopy: docs/adr/0002-policy-engine.md.
set -euo pipefail
bin="$1"
"$bin/pip" install --quiet --ignore-requires-python 'opa-golib-python-bindings==0.4.4'
