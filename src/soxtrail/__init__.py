"""soxtrail: SOX change and access evidence, policy, gate and tamper-evident ledger."""

__version__ = "0.1.0"
