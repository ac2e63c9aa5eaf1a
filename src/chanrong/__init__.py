"""chanrong."""
