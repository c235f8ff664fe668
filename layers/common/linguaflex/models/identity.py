"""Who is calling: kept apart from the domain records so the authorizer imports only this."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["student", "teacher", "admin"]


@dataclass(frozen=True)
class Identity:
    user_id: int
    role: Role
