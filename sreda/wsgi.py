"""The WSGI application, loaded whole before the web server's workers start.

`python -m sreda serve` loads this module once in gunicorn's master (`--preload`) and forks the workers from it.
Django imports the URL modules (and with them every view and the API with its schemas) only at the first request,
so each worker would spend its first seconds importing them while its first clients wait; resolving the URLs here
does it once, before the fork. Then the objects that live as long as the process are moved out of the garbage
collector's reach (`gc.freeze`): the first full collection in a fresh worker no longer walks them all — a pause of
half a second on a busy 2-core machine — and the pages of memory they sit on stay shared between the workers.
"""
import gc
import os

from django.core.wsgi import get_wsgi_application
from django.db import connections
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sreda.settings")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 — imports every URL module, view and API router now
connections.close_all()  # a worker opens its own connection; none is inherited from the master
gc.collect()
gc.freeze()
