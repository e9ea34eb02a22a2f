"""The warning category for things that work but may not be what the user meant."""


class DeployWarning(UserWarning):
    """Shown once per occurrence; front ends print it as one line."""
