"""gunicorn's settings, read from the directory it starts in (the project's).

Only the worker hooks live here; the command line gives bind address and worker count
(docs/deployment.md). A warmed-up web process holds about 190,000 objects (Django, the
URL patterns, templates, translation catalogues, the country lists); Python's cycle
collector walked all of them in each full collection, about 85 ms every so often in the
middle of a request. Frozen objects are left out of those walks: what the process loads
before its first request, and what its first requests build and keep.
"""

import gc

# Requests after which a worker's lazily built caches are assumed in place.
WARM_AFTER_REQUESTS = 50


def _freeze() -> None:
    gc.collect()  # what is garbage now is collected, not frozen
    gc.freeze()


def post_worker_init(worker) -> None:
    _freeze()


def post_request(worker, req, environ, resp) -> None:
    if worker.nr == WARM_AFTER_REQUESTS:
        _freeze()
