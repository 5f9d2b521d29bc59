"""DRF classes named in settings.REST_FRAMEWORK that DRF's own views import: kept apart
from score_platform.api, which imports those views (an import cycle otherwise)."""

import json
import logging

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers, throttling

# --- throttling that survives a cache outage ----------------------------------------------


class _CacheOutageTolerant:
    """Throttle from the cache, and let requests through while the cache is unreachable:
    the API keeps serving through a Redis outage, and the outage is logged."""

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception as error:  # the cache backend's connection errors vary
            logging.getLogger("score.security").warning(
                "throttle skipped, cache unreachable: %s", type(error).__name__
            )
            return True


class AnonRateThrottle(_CacheOutageTolerant, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(_CacheOutageTolerant, throttling.UserRateThrottle):
    pass


# --- JSON that the database can store ----------------------------------------------------


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing text UTF-8 cannot encode.

    JSON escapes can spell a lone surrogate (``"\\ud800"``), which no database column
    takes: such a body is a 400 here, not an encoding error at save time.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as error:
            raise exceptions.ParseError(
                _("The JSON holds text that is not valid Unicode (a lone surrogate).")
            ) from error
        return data
