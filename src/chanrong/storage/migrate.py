"""Run the Alembic migrations programmatically (``chanrong db upgrade`` and the tests)."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at the migrations shipped inside the package."""
    cfg = Config()
    location = str(resources.files("chanrong.storage").joinpath("migrations"))
    cfg.set_main_option("script_location", location)
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    """Bring the database at ``url`` to the latest schema of every domain."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def current_heads(engine: Engine) -> set[str]:
    """Revisions the database behind ``engine`` is at."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def _script(url: str = "sqlite://") -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config(url))


def applied_revisions(engine: Engine) -> set[str]:
    """Every revision the database has, including those implied by ``depends_on``.

    Alembic stores only the tips; a revision another branch depends on (``identity_0001``)
    is applied but not listed, so it is recovered by walking down from the tips.
    """
    script = _script()
    todo = list(current_heads(engine))
    seen: set[str] = set()
    while todo:
        rev = script.get_revision(todo.pop())
        if rev is None or rev.revision in seen:
            continue
        seen.add(rev.revision)
        downs = rev.down_revision
        todo.extend([downs] if isinstance(downs, str) else list(downs or ()))
        deps = rev.dependencies
        for dep in [deps] if isinstance(deps, str) else list(deps or ()):
            found = script.get_revision(dep)
            if found is not None:
                todo.append(found.revision)
    return seen


def is_current(engine: Engine) -> bool:
    """True when every migration of every domain has been applied."""
    return script_heads() <= applied_revisions(engine)


def script_heads(url: str = "sqlite://") -> set[str]:
    """Revisions the shipped migrations end at."""
    return set(_script(url).get_heads())
