"""Output shapes of the matter catalog API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class MatterOut(BaseModel):
    code: str
    name: str
    category: str
    service_kind: str
    pick_when: str | None
    conditions: str
    materials: list[dict[str, Any]]
    steps: list[str]
    time_limit_days: int
    time_limit_basis: str | None
    lead_department: str
    co_departments: list[str]
    catalog_version: str
