"""The ``chanrong`` command."""
