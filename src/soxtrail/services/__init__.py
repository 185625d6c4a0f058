"""Use cases: ingest, scan, change set, gate, evaluate, drift, report, access review.

Services receive what they need (the store, a clock, the signer, adapters) as arguments and
build nothing at import time; the CLI and the server call the same functions.
"""
