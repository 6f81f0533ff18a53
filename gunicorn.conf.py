"""gunicorn's settings for Hikwatch, and its start-up check.

gunicorn reads this file when started from the project folder
(`gunicorn --bind 127.0.0.1:8000 'app:create_app()'`, as deploy/systemd/hikwatch.service
does), or from anywhere with `-c /path/to/hikwatch/gunicorn.conf.py`. Flags on the
command line win over what is set here.

- Workers: threaded (gthread), cores + 1 processes of 4 threads each. Processes use the
  cores (photo decoding is C, but a process is where its memory is returned); threads
  cover the waits (database, files sent, clients reading). WEB_CONCURRENCY and
  GUNICORN_THREADS override the counts. Each worker may need about 1 GB at the largest
  photo a thread decodes (README, Security): lower the counts on a small machine.
- Slow clients: a worker thread reads a request body as slowly as the client sends it.
  The proxy in front (deploy/nginx) buffers bodies whole before passing them on; without
  one, a few slow senders hold every thread (tests/test_proxy.py shows both).
- Timeouts: a worker whose main loop stops answering for `timeout` seconds is replaced;
  with gthread a long download does not count, only a stuck process does.
- Access log: no client addresses (and no query strings, which may hold a postcode
  searched): time, method, path, status, bytes, duration, browser.

Before any worker starts it looks at the settings the workers will run with: rate limits
counted in memory (`memory://`, the default) are per process, so with several workers
each limit lets that many times as much through. That is logged as a warning; with
FLASK_PRODUCTION=true gunicorn refuses to start.
"""

import os

CORES = os.cpu_count() or 1

worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", CORES + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 4))

timeout = 30
graceful_timeout = 30
keepalive = 5  # seconds an idle connection from the proxy stays open
# Workers return the memory a large photo took by being replaced now and then.
max_requests = 2000
max_requests_jitter = 200
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"  # heartbeats in memory, never waiting on a busy disk

accesslog = "-"
errorlog = "-"
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'


def on_starting(server) -> None:
    from hikwatch.config import from_environment
    from hikwatch.security.limits import check_workers

    check_workers(from_environment(), server.cfg.workers, server.log.warning)
