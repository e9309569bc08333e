"""gunicorn settings for production: gevent workers, so a slow client costs a greenlet, never a worker thread."""
import os

_host = os.environ.get("RECHARGE_HOST", "127.0.0.1").strip() or "127.0.0.1"
_port = os.environ.get("RECHARGE_PORT", "5000").strip() or "5000"
bind = f"[{_host}]:{_port}" if ":" in _host else f"{_host}:{_port}"
worker_class = "gevent"
workers = int(os.environ.get("RECHARGE_WORKERS", "2"))
worker_connections = 1000
timeout = 30
graceful_timeout = 10
keepalive = 5
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190


def on_starting(server):
    """The NLU stand-in's indexes (seconds per locale) are built once here in the master; forked workers share them,
    so no free-text request waits for one and no gevent worker stalls building it."""
    from skill.understanding.matcher import warm_up
    warm_up()
