"""The `soxtrail` command line: one module per command group."""
