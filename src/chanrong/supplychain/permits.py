"""Who may make each supply-chain write: the organisation kind, the least role, and whether
it must be a core enterprise. Pure rules: no framework imports.

One table for both ways in: the HTTP routes build their dependencies from it (``api``), and
the command link checks each command's user against it (``commands.authorise``), so a write
cannot be open to a role over one channel and closed to it over the other. The use cases
then check what only they can (the holder, the core enterprise that owes, the bank offered).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from chanrong.identity.domain import OrgKind, Principal, Role


@dataclass(frozen=True, slots=True)
class Permit:
    """Callers admitted to a write: of one of ``kinds``, with at least ``role``, and a core
    enterprise when ``core``."""

    kinds: tuple[OrgKind, ...]
    role: Role
    core: bool = False

    def refusal(self, principal: Principal) -> str | None:
        """Why ``principal`` may not make this write (the words of the routes' 403), or None
        when it may."""
        if self.kinds and principal.org_kind not in self.kinds:
            allowed = ", ".join(k.value for k in self.kinds)
            return f"this action is for {allowed} organisations"
        if not principal.has_role(self.role):
            return f"this action needs the {self.role.value} role"
        if self.core and not principal.is_core:
            return "this action is for core enterprises"
        return None


ENTERPRISE_OFFICER = Permit((OrgKind.ENTERPRISE,), Role.OFFICER)
CORE_OFFICER = Permit((OrgKind.ENTERPRISE,), Role.OFFICER, core=True)
BANK_OFFICER = Permit((OrgKind.FINANCIAL_INSTITUTION,), Role.OFFICER)
BANK_VIEWER = Permit((OrgKind.FINANCIAL_INSTITUTION,), Role.VIEWER)
# The worker's jobs run for the platform itself; sent as a command, one needs an officer of
# the platform operator (there is no route for them).
OPERATOR_OFFICER = Permit((OrgKind.PLATFORM_OPERATOR,), Role.OFFICER)

# The certificate writes by name (the command link's op names where it runs them; the routes
# of the same writes take their gate from here).
WRITES: Mapping[str, Permit] = MappingProxyType(
    {
        "submit_payable": ENTERPRISE_OFFICER,
        "confirm_payable": CORE_OFFICER,
        "reject_payable": CORE_OFFICER,
        "split": ENTERPRISE_OFFICER,
        "transfer": ENTERPRISE_OFFICER,
        "finance_request": ENTERPRISE_OFFICER,
        "finance_quote": BANK_OFFICER,
        "finance_decline": BANK_OFFICER,
        "finance_accept": ENTERPRISE_OFFICER,
        "settle": CORE_OFFICER,
        "recourse": BANK_OFFICER,
        "mark_overdue": OPERATOR_OFFICER,
    }
)
