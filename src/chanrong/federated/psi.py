"""Private set intersection on USCC with OpenMined's PSI (ECDH, Bloom/GCS setup message).

The bank is the PSI *client*, the platform the *server*. The client sends its blinded ids
(``Request``); the server answers with its blinded set (``ServerSetup``, a compressed filter)
and the client's ids blinded once more (``Response``). The client then learns which of its own
ids are in the intersection; the server learns only how many ids the client sent (the
library's protocol gives it nothing else). Messages cross as base64 of their protobuf bytes.

Pure: no framework; the library's own protobuf messages only.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

import private_set_intersection.python as psi

from chanrong.core.errors import ValidationFailed

# False-positive rate of the server's filter: one spurious match in a billion lookups.
FPR = 1e-9


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, field: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise ValidationFailed(f"{field}: not base64", field=field) from None


@dataclass(frozen=True, slots=True)
class ServerAnswer:
    """What the platform sends back: the setup message and the processed request (base64)."""

    setup: str
    response: str


class BankPsi:
    """The bank's side: builds the request, then reads the intersection from the answer."""

    def __init__(self, ids: Sequence[str]) -> None:
        self.ids = list(ids)
        self._client = psi.client.CreateWithNewKey(True)

    def request(self) -> str:
        """The blinded request (base64) to send to the platform."""
        return _b64(self._client.CreateRequest(self.ids).SerializeToString())

    def intersection(self, answer: ServerAnswer) -> list[str]:
        """The bank's ids the platform also holds, in the bank's order."""
        setup = psi.ServerSetup()
        setup.ParseFromString(_unb64(answer.setup, "setup"))
        response = psi.Response()
        response.ParseFromString(_unb64(answer.response, "response"))
        found = set(self._client.GetIntersection(setup, response))
        return [x for i, x in enumerate(self.ids) if i in found]


def platform_answer(request_b64: str, platform_ids: Sequence[str]) -> ServerAnswer:
    """The platform's side, stateless: a fresh key per request, so answers cannot be linked."""
    request = psi.Request()
    try:
        request.ParseFromString(_unb64(request_b64, "request"))
    except Exception:  # the protobuf parser raises its own DecodeError
        raise ValidationFailed("request: not a PSI request", field="request") from None
    count = len(request.encrypted_elements)
    if count == 0:
        raise ValidationFailed("request: holds no ids", field="request")
    server = psi.server.CreateWithNewKey(True)
    setup = server.CreateSetupMessage(FPR, count, list(platform_ids), psi.DataStructure.GCS)
    response = server.ProcessRequest(request)
    return ServerAnswer(_b64(setup.SerializeToString()), _b64(response.SerializeToString()))
