"""Source adapters: one module per native format; bytes in, evidence records out.

Adapters never touch the database, the clock or the network. The ingest service frames input
files into documents (`framing`), redacts secrets (`redaction`), hands each document to an
adapter's `parse`, and stores what comes back together with its ledger entries.
"""
