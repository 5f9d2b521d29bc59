from django.db import models


class TimeStampedModel(models.Model):
    """Every domain record knows when it was created and last changed."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Currency(models.TextChoices):
    USD = "USD", "USD"
    EUR = "EUR", "EUR"
    CHF = "CHF", "CHF"
    CNY = "CNY", "CNY"
    INR = "INR", "INR"
    VND = "VND", "VND"
    IDR = "IDR", "IDR"
    BDT = "BDT", "BDT"
    TRY = "TRY", "TRY"
    GHS = "GHS", "GHS"
    ZAR = "ZAR", "ZAR"
    COP = "COP", "COP"
    PEN = "PEN", "PEN"
    BOB = "BOB", "BOB"
    MMK = "MMK", "MMK"
    LKR = "LKR", "LKR"
    ETB = "ETB", "ETB"
    TND = "TND", "TND"
    PKR = "PKR", "PKR"
    KHR = "KHR", "KHR"
