"""Interfaces: the command line (Typer + Rich) and the server (API, webhooks, dashboard)."""
