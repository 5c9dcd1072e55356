"""`scc deploy concurrency`: whether the stack's `ReservedConcurrency` fits the account.

Lambda keeps at least 100 of an account's concurrency quota unreserved, so a function
may reserve only what the quota leaves above that (less other functions'
reservations). A new account's quota is often 10: there, any reservation fails the
stack, and `ReservedConcurrency=0` (the default: no reservation) is the way to go
until AWS raises the quota.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deploy.errors import DeployError, Say

MIN_UNRESERVED = 100  # Lambda's floor of unreserved concurrency per account and region
QUOTA_NAME = "Service Quotas > AWS Lambda > Concurrent executions"


@dataclass(frozen=True)
class Quota:
    """The account's concurrency in this region: its quota, what no function reserves,
    and what the stage's function reserves now (0: none, or no such function yet)."""

    limit: int
    unreserved: int
    reserved_here: int

    @property
    def can_reserve(self) -> int:
        """The most the stage's function may reserve."""
        return max(self.unreserved + self.reserved_here - MIN_UNRESERVED, 0)


def read_quota(lambda_client: Any, function_name: str | None) -> Quota:
    limits = lambda_client.get_account_settings()["AccountLimit"]
    reserved = 0
    if function_name:
        try:
            answer = lambda_client.get_function_concurrency(FunctionName=function_name)
            reserved = int(answer.get("ReservedConcurrentExecutions") or 0)
        except Exception as exc:  # no such function yet: it reserves nothing
            if "ResourceNotFound" not in type(exc).__name__ + str(exc):
                raise
    return Quota(
        limit=int(limits["ConcurrentExecutions"]),
        unreserved=int(limits["UnreservedConcurrentExecutions"]),
        reserved_here=reserved,
    )


def advice(quota: Quota, reserve: int) -> tuple[bool, str]:
    """(whether `ReservedConcurrency=reserve` fits, what to tell the operator)."""
    head = (
        f"the account's concurrency quota here is {quota.limit} "
        f"({quota.unreserved} unreserved; Lambda keeps {MIN_UNRESERVED} unreserved)"
    )
    if reserve <= 0:
        return True, (
            f"{head}. ReservedConcurrency=0: no reservation, the function shares the "
            "account's pool (nothing caps a runaway bill but the quota itself)."
        )
    if reserve <= quota.can_reserve:
        return True, f"{head}. ReservedConcurrency={reserve} fits (at most {quota.can_reserve})."
    needed = quota.limit - quota.unreserved - quota.reserved_here + reserve + MIN_UNRESERVED
    return False, (
        f"{head}: ReservedConcurrency={reserve} does not fit (at most {quota.can_reserve}), "
        "so creating or updating the stack with it fails. Either create or update the "
        "stack with ReservedConcurrency=0 (no reservation), or ask AWS for a quota of at "
        f"least {needed} ({QUOTA_NAME}) and use {reserve} once it is granted."
    )


def read_stack(cloudformation: Any, stack: str) -> tuple[int, str | None] | None:
    """The stack's ReservedConcurrency and its function's name; None without the stack."""
    try:
        stacks = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    except Exception as exc:
        if "does not exist" in str(exc):
            return None
        raise DeployError(f"cannot read stack {stack}: {exc}") from exc
    parameters = {
        p["ParameterKey"]: p.get("ParameterValue") for p in stacks[0].get("Parameters", [])
    }
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    return int(parameters.get("ReservedConcurrency") or 0), outputs.get("FunctionName")


def check(
    cloudformation: Any, lambda_client: Any, stack: str, reserve: int | None, say: Say = print
) -> bool:
    """Say whether `reserve` (default: the stack's ReservedConcurrency, else 0) fits the
    account, and what to do when it does not; True when it fits."""
    found = read_stack(cloudformation, stack)
    function = found[1] if found else None
    if reserve is None:
        reserve = found[0] if found else 0
        say(f"{stack}: ReservedConcurrency={reserve}" + ("" if found else " (no stack yet)"))
    fits, message = advice(read_quota(lambda_client, function), reserve)
    say(message)
    return fits
