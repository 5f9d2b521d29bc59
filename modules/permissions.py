"""Who may change the training-module catalogue (access.md)."""

from partners.access import principal_of


def can_manage_training_modules(user) -> bool:
    """The catalogue is programme configuration: ILO administrators only."""
    return principal_of(user).is_ilo_admin
