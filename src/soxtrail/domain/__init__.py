"""The domain core: evidence kinds and records, systems, periods, controls and results.

Pure data and pure functions: nothing here reads files, the clock, the environment or the
database. Every other layer imports from here; this package imports from none of them.
"""
