"""Prometheus metrics: requests by route and status, latency, events appended, projection lag."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    """One registry per app, so tests can build many apps."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "frispor_http_requests_total",
            "HTTP requests by route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "frispor_http_request_seconds",
            "HTTP request latency by route",
            ["method", "route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )
        self.appended = Counter(
            "frispor_events_appended",
            "Events appended through this process",
            registry=self.registry,
        )
        self.retries = Counter(
            "frispor_command_retries",
            "Decisions decided again by the server after a concurrent one took their version",
            registry=self.registry,
        )
        self.lag_events = Gauge(
            "frispor_projection_lag_events",
            "Events a read model is behind the head",
            ["projection"],
            registry=self.registry,
        )
        self.lag_seconds = Gauge(
            "frispor_projection_lag_seconds",
            "Seconds a read model is behind the head",
            ["projection"],
            registry=self.registry,
        )
