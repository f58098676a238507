"""gunicorn settings for production: ``gunicorn -c gunicorn.conf.py site_config.wsgi``.

Every value can be changed from the environment (or overridden on the command line, which
wins over this file). Threaded workers, so one slow client holds a thread, not a whole
process; large downloads never pass through a worker anyway (X-Accel-Redirect to nginx, or
a presigned object-storage URL).
"""

import multiprocessing
import os

# Where to listen: BIND (e.g. "unix:/run/brightshelf.sock" or "127.0.0.1:8001"), or all
# interfaces on PORT.
bind = os.environ.get("BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"

# Processes x threads: WEB_CONCURRENCY processes (default 2 x cores + 1, at most 9),
# each with GUNICORN_THREADS threads. Each thread may hold a database connection
# (CONN_MAX_AGE), so PostgreSQL's max_connections must cover hosts x workers x threads.
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * multiprocessing.cpu_count() + 1, 9))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or 4)

# A request that takes longer than this is killed with its worker; a restart or shutdown
# lets running requests finish for graceful_timeout seconds.
timeout = 30
graceful_timeout = 30
# Idle keep-alive connections from the proxy in front (nginx's upstream keepalive).
keepalive = 5

# Restart each worker after this many requests (plus a random jitter, so they do not all
# restart at once): bounds the damage of a slow memory leak.
max_requests = 1000
max_requests_jitter = 100

# The proxy's addresses, whose X-Forwarded-* headers gunicorn trusts.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Logs to stdout/stderr for the service manager or container runtime to collect. The
# access line ends with the time taken (ms) and the request id the app echoed
# (site_config.middleware.RequestIdMiddleware), to find the app's log lines for it.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms rid=%({x-request-id}o)s'

# gunicorn 27 opens a control socket at ~/.gunicorn/gunicorn.ctl by default, and two
# instances on one host take it over from each other. Off, unless GUNICORN_CONTROL_SOCKET
# names a path of this instance's own (for ``gunicornc``).
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
if not control_socket_disable:
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]

# Worker heartbeat files in memory, not on a disk that may stall (containers).
SHARED_MEMORY = "/dev/shm"  # noqa: S108  (gunicorn's documented use, not a temp file)
if os.path.isdir(SHARED_MEMORY):
    worker_tmp_dir = SHARED_MEMORY
