"""The bank's implementation of credit's joint-model port (``credit.joint.JointScorer``):
a credit decision on the bank's instance asks the platform for its part over HTTP.

For a product naming ``joint:<name>`` the scorer finds ``<name>``'s champion on the platform
(the platform keeps the approval state), loads the bank's part of that version from the parts
folder (checked against the fingerprint the platform registered), takes the bank's own
features of the enterprise from the bank's table, and asks ``POST /federated/models/{ref}/score``
— which the platform answers only under the enterprise's live ``joint_modelling`` grant, and
logs. Every way a part can be missing is a ``JointUnavailable`` naming it; no PD is made from
one part.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pandas as pd

from chanrong.core.errors import ValidationFailed
from chanrong.core.settings import Settings
from chanrong.credit.service import JointScore, JointUnavailable
from chanrong.federated.client import BankClient, BankData, PlatformRefused, load_part


class HttpJointScorer:
    """``JointScorer`` over the bank's client of the platform."""

    def __init__(self, client: BankClient, parts: Path, bank: BankData) -> None:
        self.client, self.parts = client, parts
        self.rows = {u: bank.x.iloc[i] for i, u in enumerate(bank.usccs)}

    def _champion(self, name: str) -> str:
        try:
            models = self.client.models()
        except PlatformRefused as exc:
            raise JointUnavailable("platform_refused", str(exc)) from None
        champions = [
            m["model"]
            for m in models
            if m["model"].rpartition("@")[0] == name and m["state"] == "champion"
        ]
        if not champions:
            raise JointUnavailable("no_champion", f"joint model {name} has no champion")
        return str(champions[-1])

    def score(self, name: str, uscc: str) -> JointScore:
        """Both parts' PD for ``uscc`` under ``name``'s champion, or ``JointUnavailable``."""
        try:
            ref = self._champion(name)
            try:
                part = load_part(self.parts, ref)
            except ValidationFailed as exc:
                raise JointUnavailable("bank_part", str(exc)) from None
            row: pd.Series | None = self.rows.get(uscc)
            if row is None:
                raise JointUnavailable("bank_features", f"no row for {uscc} in the bank's table")
            try:
                got = self.client.score(part, uscc, row)
            except ValidationFailed as exc:  # the part on file is not the registered one
                raise JointUnavailable("bank_part", str(exc)) from None
            except PlatformRefused as exc:
                reason = "consent" if exc.http_status == 403 else "platform_refused"
                raise JointUnavailable(reason, str(exc)) from None
        except httpx.HTTPError as exc:
            raise JointUnavailable("platform_unavailable", f"{type(exc).__name__}: {exc}") from None
        if got["state"] != "champion":  # moved between the two calls
            raise JointUnavailable("no_champion", f"{ref} is {got['state']}")
        return JointScore(
            pd=float(got["pd"]),
            model_ref=ref,
            manifest_sha256=str(got["manifest_sha256"]),
            bank_fingerprint=str(got["bank_fingerprint"]),
            platform_fingerprint=str(got["platform_fingerprint"]),
            platform_leaf=int(got["leaf"]),
            bank_reasons=tuple(
                (str(f), float(c), float("nan") if v is None else float(v))
                for f, c, v in got["bank_reasons"]
            ),
            platform_reasons=tuple(str(f) for f in got["platform_reasons"]),
        )


def scorer_from(server: str, api_key: str, parts: Path, bank_data: Path) -> HttpJointScorer:
    """A scorer against the platform at ``server`` with the bank's key, its parts folder and
    its table of features (CSV: ``uscc`` and the bank's numeric columns)."""
    if not bank_data.exists():
        raise ValidationFailed(f"bank_data: {bank_data} does not exist", field="bank_data")
    frame = pd.read_csv(bank_data, dtype={"uscc": str})
    bank = BankData.from_frame(frame, id_column="uscc", label=None)
    return HttpJointScorer(BankClient(connect_timeout(server, api_key)), parts, bank)


def connect_timeout(server: str, api_key: str) -> httpx.Client:
    """The client a decision uses: a short timeout, since an applicant is waiting (a slow
    platform is ``platform_unavailable``, and the application is referred)."""
    return httpx.Client(
        base_url=server.rstrip("/"),
        headers={"Authorization": f"Bearer {api_key}"},
        timeout=10.0,
    )


def scorer_for(settings: Settings) -> HttpJointScorer | None:
    """The scorer the settings configure (``CHANRONG_FEDERATED_*``), or None when unset."""
    s = settings
    if not (s.federated_server and s.federated_api_key and s.federated_parts):
        return None
    if s.federated_bank_data is None:
        return None
    return scorer_from(
        s.federated_server, s.federated_api_key, s.federated_parts, s.federated_bank_data
    )
