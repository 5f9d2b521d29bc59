"""The base of the API's viewsets: reads through selectors, writes through services."""

from rest_framework import viewsets


class ScopedViewSet(viewsets.GenericViewSet):
    """Reads from the user's selector; writes go through the app's services.

    List it FIRST among a viewset's bases, before DRF's mixins, so that its
    ``perform_*`` methods (the service calls) win over the mixins' ``serializer.save()``.

    ``selector(user)`` gives the queryset (404 outside it). ``create_service``,
    ``update_service`` and ``delete_service`` are the app's service functions; the
    serializer's validated data are passed to them as keyword arguments, after
    ``actor=`` and, for a change, the object under ``instance_argument``.
    """

    # Ids only; anything else falls through to the API's JSON 404.
    lookup_value_regex = "[0-9]{1,18}"
    selector = None
    create_service = None
    update_service = None
    delete_service = None
    instance_argument = None

    def get_queryset(self):
        return type(self).selector(self.request.user)

    def service_arguments(self, validated_data: dict) -> dict:
        return dict(validated_data)

    def perform_create(self, serializer):
        service = type(self).create_service
        serializer.instance = service(
            actor=self.request.user, **self.service_arguments(serializer.validated_data)
        )

    def perform_update(self, serializer):
        service = type(self).update_service
        serializer.instance = service(
            actor=self.request.user,
            **{self.instance_argument: serializer.instance},
            **self.service_arguments(serializer.validated_data),
        )

    def perform_destroy(self, instance):
        service = type(self).delete_service
        service(actor=self.request.user, **{self.instance_argument: instance})
