from django.core.exceptions import PermissionDenied


def require(allowed: bool, message: str = "You may not make this change.") -> None:
    """Raise PermissionDenied (403) unless ``allowed``; callers have already scoped the object."""
    if not allowed:
        raise PermissionDenied(message)
