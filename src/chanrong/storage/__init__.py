"""Storage: the SQL engine and unit of work, Alembic migrations, shared column types."""

from chanrong.storage.base import Base
from chanrong.storage.database import Database

__all__ = ["Base", "Database"]
