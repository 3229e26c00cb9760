"""Output shapes of the helper roster API."""

from __future__ import annotations

from pydantic import BaseModel


class HelperOut(BaseModel):
    id: int
    name: str
    village_code: str
    village_name: str
    phone: str
    category: str
    is_secretary: bool
    active: bool
    wechat_bound: bool
