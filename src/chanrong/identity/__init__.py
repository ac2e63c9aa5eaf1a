"""Identity: organisations, users, API keys, roles and the principal behind each request."""
