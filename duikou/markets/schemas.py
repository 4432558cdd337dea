from typing import Annotated

from ninja import Schema
from pydantic import Field

# how many best matches a matching route returns
TopK = Annotated[int, Field(ge=1, le=100, description="how many best matches (1–100)")]


class TermOut(Schema):
    """One term of a match's score: its weight, the term's value (0–1), the points it gives and why."""

    key: str
    label: str
    weight: int
    value: float
    points: float
    reason: str
