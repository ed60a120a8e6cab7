"""Rate limiting per API token (issue 9): a fixed window counted in the cache — Redis when REDIS_URL is set, so
every web worker shares one count; the local memory cache otherwise (one process, the embedded default).

A token over its limit gets 429 with `Retry-After`: the seconds until its window ends. The limit is
`SREDA_API_RATE_LIMIT` requests per `SREDA_API_RATE_WINDOW` seconds (600 per 60 by default)."""
from __future__ import annotations

import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.throttling import BaseThrottle


def rate_limit() -> tuple[int, int]:
    return int(getattr(settings, "SREDA_API_RATE_LIMIT", 600)), int(getattr(settings, "SREDA_API_RATE_WINDOW", 60))


class TokenRateThrottle(BaseThrottle):
    def allow_request(self, request: HttpRequest) -> bool:
        token = getattr(request, "auth", None)
        if token is None or not getattr(token, "pk", None):
            return True  # unauthenticated requests never get this far: authentication answers 401 first
        limit, window = rate_limit()
        start = int(time.time() // window) * window
        key = f"api-rate:{token.pk}:{start}"
        # add() then incr(): both atomic in Redis, so concurrent workers never lose a count.
        cache.add(key, 0, timeout=window + 5)
        try:
            count = cache.incr(key)
        except ValueError:  # the key expired between add() and incr()
            cache.set(key, 1, timeout=window + 5)
            count = 1
        return count <= limit

    def wait(self) -> float:
        """Seconds until the current window ends (no per-request state: one instance serves every thread)."""
        _, window = rate_limit()
        now = time.time()
        return max(1, math.ceil((int(now // window) + 1) * window - now))
