"""Prometheus metrics at `/metrics`: requests, ingest counts, gate decisions, ledger size.

Each application has its own registry (tests build many apps in one process). With several
workers, `soxtrail serve` sets `PROMETHEUS_MULTIPROC_DIR` before the workers start, and a
scrape of any worker aggregates them all (prometheus_client's multiprocess mode). The ledger
size is read from the store at scrape time, so it is the same whichever replica answers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import Scope

from soxtrail.store.database import Database
from soxtrail.store.ledger import ledger_size

_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class _LedgerCollector(Collector):
    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "soxtrail_ledger_entries", "Entries in the evidence ledger (read from the store)."
        )
        try:
            with self.db.read() as conn:
                family.add_metric([], float(ledger_size(conn)))
        except Exception:  # a scrape reports what it can; /readyz tells why
            return
        yield family


class Metrics:
    """The metrics one application updates."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "soxtrail_http_requests",
            "HTTP requests by method, route and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "soxtrail_http_request_seconds",
            "HTTP request duration by route.",
            ["route"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.deliveries = Counter(
            "soxtrail_webhook_deliveries",
            "Webhook deliveries by source and outcome (stored, duplicate, forged, malformed, "
            "conflict).",
            ["source", "outcome"],
            registry=self.registry,
        )
        self.ingested = Counter(
            "soxtrail_ingested_records",
            "Evidence records newly stored, by source (webhooks and the ingest API).",
            ["source"],
            registry=self.registry,
        )
        self.ingested_documents = Counter(
            "soxtrail_ingested_documents",
            "Raw documents newly stored, by source.",
            ["source"],
            registry=self.registry,
        )
        self.gate_decisions = Counter(
            "soxtrail_gate_decisions",
            "Gate decisions by result (allow, deny) and whether they were dry runs.",
            ["decision", "dry_run"],
            registry=self.registry,
        )
        self.registry.register(_LedgerCollector(db))

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        route = getattr(scope.get("route"), "path", None) or "unmatched"
        method = str(scope.get("method", ""))
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(route).observe(seconds)

    def exposition(self) -> tuple[bytes, str]:
        """The text exposition of every metric (all workers' in multiprocess mode)."""
        if self.multiprocess:
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            registry.register(_LedgerCollector(self.db))
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
