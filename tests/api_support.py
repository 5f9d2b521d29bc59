"""Helpers of the API tests: a token-authenticated client per persona."""

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


def client_for(user) -> APIClient:
    """A client that authenticates like an outside API client: with the user's token."""
    client = APIClient()
    if user is not None:
        token, _created = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


def token_for(user) -> str:
    token, _created = Token.objects.get_or_create(user=user)
    return token.key
