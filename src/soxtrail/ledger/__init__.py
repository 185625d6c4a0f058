"""Tamper-evident ledger: RFC 9162 Merkle tree, RFC 8785 canonical JSON, C2SP signed notes.

Pure code: it imports only the standard library and `cryptography`, so that the evidence
pack can ship it to auditors, who verify without our database.
"""
