"""`GET /metrics` in the Prometheus text format (prometheus-client): requests, errors, latency per route and
variant, queue depth, batch sizes, tokens, document writes and the index version. Each app has its own
registry, so two servers in one process (tests) never mix their counts."""

from __future__ import annotations

from typing import Callable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160)


class Metrics:
    def __init__(self, queue_depth: Callable[[], int], index_version: Callable[[], int]):
        self.registry = r = CollectorRegistry()
        self.requests = Counter("ragtune_requests", "HTTP requests answered", ["route", "variant", "status"],
                                registry=r)
        self.errors = Counter("ragtune_errors", "Requests answered with a status of 400 or more",
                              ["route", "variant", "status"], registry=r)
        self.latency = Histogram("ragtune_request_seconds", "Time to answer a request", ["route", "variant"],
                                 buckets=LATENCY_BUCKETS, registry=r)
        self.batch_size = Histogram("ragtune_batch_size", "Questions answered in one generation batch",
                                    ["variant"], buckets=(1, 2, 4, 8, 16, 32), registry=r)
        self.tokens = Counter("ragtune_tokens", "Tokens read (prompt) and written (completion)",
                              ["variant", "kind"], registry=r)
        self.writes = Counter("ragtune_document_writes", "Acknowledged document writes", ["action"], registry=r)
        Gauge("ragtune_queue_depth", "Questions waiting to be answered", registry=r).set_function(queue_depth)
        Gauge("ragtune_index_version", "The index's table version", registry=r).set_function(index_version)

    def request(self, route: str, variant: str, status: int, seconds: float) -> None:
        self.requests.labels(route, variant, str(status)).inc()
        if status >= 400:
            self.errors.labels(route, variant, str(status)).inc()
        self.latency.labels(route, variant).observe(seconds)

    def answered(self, variant: str, prompt_tokens: int, completion_tokens: int) -> None:
        self.tokens.labels(variant, "prompt").inc(prompt_tokens)
        self.tokens.labels(variant, "completion").inc(completion_tokens)

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
