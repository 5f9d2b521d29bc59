from partners.access import principal_of


def principal(request):
    """The role of whoever is asking, for the navigation bar (one cached lookup per request)."""
    return {"principal": principal_of(getattr(request, "user", None))}
