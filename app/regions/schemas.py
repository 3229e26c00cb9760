"""Output shapes of the region API."""

from __future__ import annotations

from pydantic import BaseModel


class RegionOut(BaseModel):
    code: str
    name: str
    level: str
    parent_code: str | None
