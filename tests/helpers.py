"""Assertions and cases shared by the tests of the domain rules."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests import factories
from tests.factories import module


def assert_database_refuses(write) -> None:
    """The database itself rejects the write (a constraint, not Python validation)."""
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


def assert_rejected(call, field: str, *words: str) -> ValidationError:
    """The service raises a ValidationError on ``field`` whose message contains ``words``."""
    with pytest.raises(ValidationError) as caught:
        call()
    messages = caught.value.message_dict
    assert field in messages, f"expected an error on {field!r}, got {messages}"
    text = " ".join(messages[field]).lower()
    for word in words:
        assert word.lower() in text, f"{word!r} not in the {field!r} message {messages[field]}"
    return caught.value


# (level, the day the trainer would lead, allowed?) for a trainer made by trainer_with():
# certified or master only, valid from awarded_on to expires_on inclusive.
CERTIFICATION_CASES = [
    pytest.param("certified", date(2021, 6, 1), True, id="certified"),
    pytest.param("master", date(2021, 6, 1), True, id="master"),
    pytest.param("candidate", date(2021, 6, 1), False, id="candidate"),
    pytest.param("certified", date(2019, 12, 31), False, id="before-awarded-on"),
    pytest.param("certified", date(2020, 1, 1), True, id="on-awarded-on"),
    pytest.param("certified", date(2022, 12, 31), True, id="on-expires-on"),
    pytest.param("certified", date(2023, 1, 1), False, id="after-expires-on"),
]


def trainer_with(world, level, organisation=None):
    """A trainer certified in Workplace Cooperation from 2020 until the end of 2022."""
    trainer = factories.TrainerFactory(organisation=organisation or world.sgs)
    factories.CertificationFactory(
        trainer=trainer,
        module=module("WCO"),
        level=level,
        awarded_on=date(2020, 1, 1),
        expires_on=date(2022, 12, 31),
    )
    return trainer


def shown(response, name: str):
    """What a page gave its template under ``name``: a dashboard hands its figures over as
    callables (computed only for the sections not kept), so call those."""
    value = response.context[name]
    return value() if callable(value) else value
