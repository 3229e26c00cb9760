"""Prometheus metrics. Counters and the callback histogram are counted where things happen (the API
process for HTTP, the worker for template sends); the outbox and overdue gauges are read from the
database at scrape time with a few cheap counts, so every API process reports the same numbers.

With several uvicorn workers, ``bangban serve`` points ``PROMETHEUS_MULTIPROC_DIR`` at a fresh
directory and a scrape adds up every worker's counters."""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    make_wsgi_app,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app import clock
from app.db import unit_of_work
from app.entrustments.workflow import HANDLING
from app.models import Entrustment, EntrustmentStatus, OutboxMessage, OutboxStatus
from app.wechat.client import WeChatClient
from app.wechat.errors import WeChatError

log = logging.getLogger("bangban.metrics")

HTTP_REQUESTS = Counter("bangban_http_requests", "HTTP requests by method, route template and status",
                        ["method", "route", "status"])
# WeChat shows the resident an error unless the callback answers within 5 s; we aim for 1 s.
CALLBACK_SECONDS = Histogram("bangban_wechat_callback_seconds", "Time to answer a WeChat callback POST",
                             buckets=(0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 2.0, 5.0))
TEMPLATE_SEND_FAILURES = Counter(
    "bangban_template_send_failures",
    "Template sends WeChat refused, by errcode (-1: timeout, no connection or HTTP 5xx)", ["errcode"])

QUEUED = (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.FAILED_TEMPORARY)

REFUSED_NOT_LOOPBACK = ("指标只对本机开放；从别处抓取请设置 BANGBAN_METRICS_TOKEN 并凭令牌访问 / metrics are served "
                        "to loopback only unless BANGBAN_METRICS_TOKEN is set\n")
REFUSED_TOKEN = "需要正确的访问令牌（Authorization: Bearer） / a valid bearer token is required\n"


def refusal(client_host: str | None, authorization: str | None, token: str) -> tuple[int, str] | None:
    """Why a scrape is refused (status and reason), or None. Loopback clients may scrape; others need
    ``Authorization: Bearer <BANGBAN_METRICS_TOKEN>``, and nobody else may when no token is set. Behind a
    proxy, uvicorn puts the forwarded client address here (the proxy must send X-Forwarded-For)."""
    if _is_loopback(client_host):
        return None
    if not token:
        return 403, REFUSED_NOT_LOOPBACK
    if hmac.compare_digest((authorization or "").encode(), f"Bearer {token}".encode()):
        return None
    return 401, REFUSED_TOKEN


def _is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class DatabaseGauges(Collector):
    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("bangban_database_up", "1 when this scrape could read the database")
        try:
            with unit_of_work() as session:
                families = list(_gauges(session))
        except SQLAlchemyError as exc:
            log.warning("metrics: database not readable (%s)", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families


def _gauges(session: Session) -> Iterable[Metric]:
    rows = session.execute(
        select(OutboxMessage.status, func.count(), func.min(OutboxMessage.created_at))
        .where(OutboxMessage.status.in_(QUEUED)).group_by(OutboxMessage.status)).all()
    counts = {status: count for status, count, _ in rows}
    depth = GaugeMetricFamily("bangban_outbox_depth", "Notifications waiting to be sent, by status",
                              labels=["status"])
    for status in QUEUED:
        depth.add_metric([status.value], counts.get(status, 0))
    yield depth
    oldest = min((created for _, _, created in rows if created is not None), default=None)
    age = GaugeMetricFamily("bangban_outbox_oldest_age_seconds",
                            "Age of the oldest notification still waiting to be sent (0 when none waits)")
    age.add_metric([], max(0.0, (clock.now() - oldest).total_seconds()) if oldest else 0.0)
    yield age
    today = clock.today()
    overdue = GaugeMetricFamily("bangban_overdue_cases", "Open cases past a deadline, by clock", labels=["clock"])
    acceptance = session.scalar(select(func.count()).select_from(Entrustment).where(
        Entrustment.status == EntrustmentStatus.SUBMITTED, Entrustment.acceptance_due_on < today)) or 0
    handling = session.scalar(select(func.count()).select_from(Entrustment).where(
        Entrustment.status.in_(HANDLING), Entrustment.due_on < today)) or 0
    overdue.add_metric(["acceptance"], acceptance)
    overdue.add_metric(["handling"], handling)
    yield overdue


_DATABASE = CollectorRegistry(auto_describe=False)
_DATABASE.register(DatabaseGauges())


def exposition(*, with_database: bool) -> bytes:
    """The text exposition: this process's counters (every worker's, in multiprocess mode), then the
    database gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)  # type: ignore[no-untyped-call]
        text = generate_latest(counted)
    else:
        text = generate_latest(REGISTRY)
    return text + generate_latest(_DATABASE) if with_database else text


class CountingWeChatClient(WeChatClient):
    """The worker's client: counts refused template sends by errcode, then lets the worker decide."""

    def send_template(self, touser: str, template_id: str, data: dict[str, Any], url: str | None = None,
                      client_msg_id: str | None = None) -> int:
        try:
            return super().send_template(touser, template_id, data, url=url, client_msg_id=client_msg_id)
        except WeChatError as error:
            TEMPLATE_SEND_FAILURES.labels(errcode=str(error.errcode)).inc()
            raise


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes are not logged."""


def serve_worker_metrics(host: str, port: int, token: str) -> WSGIServer:
    """``bangban worker --metrics-port``: the worker's counters over HTTP, guarded as ``/metrics`` is."""
    inner = make_wsgi_app(REGISTRY)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        refused = refusal(environ.get("REMOTE_ADDR"), environ.get("HTTP_AUTHORIZATION"), token)
        if refused is not None:
            status, reason = refused
            start_response(f"{status} {'Unauthorized' if status == 401 else 'Forbidden'}",
                           [("Content-Type", "text/plain; charset=utf-8")])
            return [reason.encode()]
        return inner(environ, start_response)  # type: ignore[no-any-return]

    server = make_server(host, port, app, server_class=_ThreadingServer, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server


def prepare_multiprocess() -> None:
    """Before uvicorn starts several workers: each counts in files of one directory, emptied first so a
    restart does not add old counts (PROMETHEUS_MULTIPROC_DIR, or a new temporary directory)."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        for name in os.listdir(directory):
            if name.endswith(".db"):
                os.remove(os.path.join(directory, name))
    else:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="bangban-metrics-")
