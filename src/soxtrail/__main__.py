"""`python -m soxtrail`."""

from soxtrail.interfaces.cli.app import run

run()
