"""API schemas of regions that other apps' answers embed."""

from ninja import Schema


class RegionRef(Schema):
    """A region as other records name it: its statistical code and its name."""

    code: str
    name: str
