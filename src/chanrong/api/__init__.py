"""FastAPI application assembly: each domain contributes its router here."""
