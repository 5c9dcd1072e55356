"""What a service answers when it will not do the thing asked."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Refused:
    """A workflow's refusal: a message per form field ("form" for the whole form) and
    the HTTP status it maps to (422: the input is wrong; 409: the state does not allow
    it; 404: the thing does not exist). Nothing was written."""

    errors: dict[str, str] = field(default_factory=dict)
    status: int = 422
    code: str = ""  # which refusal, for a handler that answers one differently
    retry_after: int = 0  # seconds, for a 429: when the same try may be admitted

    @classmethod
    def form(cls, message: str, status: int = 409) -> Refused:
        """A refusal of the whole form (not one field)."""
        return cls({"form": message}, status)
