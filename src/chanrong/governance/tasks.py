"""Governance's job for the worker: sign the log's tree head as entries are integrated.

Every append publishes ``log.grown``; the worker debounces those into one run that signs the
head once appends pause for a second, and at least every few seconds under a steady stream.
Readers (``GET /log/head``) only read the newest signed head, so a read never writes and a
burst of reads never signs a burst of heads.
"""

from __future__ import annotations

from datetime import timedelta

from chanrong.governance import keys, service
from chanrong.jobs.queue import LOG_GROWN
from chanrong.jobs.registry import Cadence, JobContext, job

SIGN_HEAD = "governance.sign_head"


@job(
    SIGN_HEAD,
    cadence=Cadence.EVENT,
    triggers=[LOG_GROWN],
    debounce=timedelta(seconds=1),
    max_wait=timedelta(seconds=5),
    lease=timedelta(minutes=1),
    retry_base=timedelta(seconds=2),
)
def sign_head(ctx: JobContext) -> str:
    """Sign the log's current tree head (nothing new when it has not grown)."""
    sth = service.sign_tree_head(ctx.session, keys.load_or_create(ctx.settings.var_dir))
    return f"head of {sth.size} entries signed by {sth.key_id}"
