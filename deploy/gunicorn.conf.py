"""gunicorn settings for meinekammer (deploy/Containerfile, deploy/meinekammer-web.service).

Metrics with several workers: PROMETHEUS_MULTIPROC_DIR names an empty directory, writable by
the service user and emptied at every start (the unit and the container do both); each worker
writes its counters there and a scrape of any worker adds them up (docs/operations.md).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# The app logs to stderr itself (JSON in production); gunicorn's access log would double it.
accesslog = None
errorlog = "-"
timeout = 30
graceful_timeout = 30


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
