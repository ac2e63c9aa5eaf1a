"""One entry of the verifiable log with its inclusion proof, checked as the page is drawn.

Anyone may open an entry they are party to (its actor, the organisation it concerns, or the
operator): an enterprise can prove from its access list that a read was logged.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from chanrong.core.errors import ChanrongError
from chanrong.governance import merkle
from chanrong.governance import service as governance
from chanrong.web import directory
from chanrong.web.auth import Page, page
from chanrong.web.failures import error_page
from chanrong.web.render import render

router = APIRouter(prefix="/console/log", include_in_schema=False)


@router.get("/{index}", response_class=HTMLResponse)
def entry(request: Request, index: int, p: Page = Depends(page)) -> HTMLResponse:
    """The entry, its leaf hash recomputed from its data, and its audit path to the root."""
    try:
        row = governance.get_log_entry(p.session, p.ctx.principal, index)
        proof = governance.entry_inclusion_proof(p.session, p.ctx.principal, index)
    except ChanrongError as exc:
        return error_page(request, p, exc)
    stored_leaf = bytes(row.leaf_hash)
    data_ok = merkle.leaf_hash(row.data.encode("utf-8")) == stored_leaf
    path_ok = merkle.verify_inclusion(
        proof.index,
        proof.tree_size,
        stored_leaf,
        [bytes.fromhex(h) for h in proof.path],
        bytes.fromhex(proof.root_hash),
    )
    try:
        pretty = json.dumps(json.loads(row.data), ensure_ascii=False, indent=2, sort_keys=True)
    except ValueError:
        pretty = row.data
    actor = directory.names(p.session, [row.actor_org_id]) if row.actor_org_id else {}
    return render(
        request,
        "log_entry.html",
        p,
        locale=p.locale,
        row=row,
        leaf=stored_leaf.hex(),
        proof=proof,
        data_ok=data_ok,
        path_ok=path_ok,
        pretty=pretty,
        actor=actor.get(row.actor_org_id or "", "—"),
    )
