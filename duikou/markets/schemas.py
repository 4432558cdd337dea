from ninja import Schema


class TermOut(Schema):
    """One term of a match's score: its weight, the term's value (0–1), the points it gives and why."""

    key: str
    label: str
    weight: int
    value: float
    points: float
    reason: str
