from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404


def get_visible_or_404(queryset: QuerySet, **lookup):
    """One object from a scoped queryset; anything outside it (or malformed) is a 404."""
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError, ValidationError) as error:
        raise Http404(f"No {queryset.model._meta.verbose_name} matches the given query.") from error
