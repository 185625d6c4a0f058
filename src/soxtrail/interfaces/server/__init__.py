"""The HTTP interface: REST API (`api/`), signed webhooks (`webhooks.py`), dashboard (`web/`).

`create_app(ServerState)` builds one FastAPI application over the same configuration and store
as the CLI. Nothing is built at import: `soxtrail serve` calls the factory in each worker,
and the policy engine is compiled lazily, once per worker, on the first request needing it.
"""
