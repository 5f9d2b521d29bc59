"""The OpenAPI schema: every operation documents its error answers."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

ERROR_SCHEMA = {
    "type": "object",
    "additionalProperties": True,
    "description": _('DRF\'s error shape: {"field": ["message"]} or {"detail": "message"}.'),
}

ERROR_RESPONSES = {
    "400": _("Invalid input: field messages in DRF's shape."),
    "401": _("Not authenticated."),
    "403": _("Visible, but this role may not do it."),
    "404": _("Absent, or outside your scope."),
    "429": _("Throttled: too many requests."),
}


class ScoreAutoSchema(AutoSchema):
    """Every operation documents the error answers it can give, in DRF's shape."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code, description in ERROR_RESPONSES.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(response=ERROR_SCHEMA, description=str(description)),
                    code,
                    direction=direction,
                )
        if self.method in ("POST", "PUT", "PATCH") and "415" not in responses:
            responses["415"] = self._get_response_for_code(
                OpenApiResponse(response=ERROR_SCHEMA, description="Unsupported media type."),
                "415",
                direction=direction,
            )
        return responses
