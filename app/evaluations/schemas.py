"""Input and output of rectifications (整改) through the API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.models import RectificationStatus

Text = Annotated[str, StringConstraints(strip_whitespace=True)]


class CloseRectificationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    callback_note: Annotated[Text, Field(min_length=1, max_length=500,
                                         description="回访委托人时委托人说了什么")]
    resolution: Annotated[Text, Field(min_length=1, max_length=500, description="整改做了什么")]
    unfounded: bool = Field(default=False, description="核实后差评与帮办服务无关（仍要回访并记录）")


class RectificationOut(BaseModel):
    id: int
    entrustment_id: int
    case_number: str
    village_name: str
    level: str
    comment: str | None
    status: RectificationStatus
    due_on: date
    callback_note: str | None
    resolution: str | None
    created_at: datetime
    closed_at: datetime | None
