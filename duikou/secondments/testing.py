"""Small factories for the seconded-people tests (and their part of the permission matrix)."""

import datetime

from duikou import testing
from duikou.core import pii

from . import services
from .models import Secondment


def id_number(serial: int, area: str = "320505", birth: str = "19850101") -> str:
    """A synthetic ID number with a valid GB 11643 check digit."""
    first = f"{area}{birth}{serial % 1000:03d}"
    return first + pii.id_check_digit(first)


def secondment(user, *, pairing=None, serial: int = 1, name: str = "张挂职", **fields) -> Secondment:
    values = {
        "direction": Secondment.Direction.EAST_TO_OLD,
        "kind": Secondment.Kind.CADRE,
        "home_org": "苏州市发展和改革委员会",
        "host_org": "信阳市发展和改革委员会",
        "post": "副主任",
        "field": Secondment.Field.INDUSTRY,
        "start_date": datetime.date(2026, 3, 1),
        "end_date": None,
        "phone": "13800138000",
    } | fields
    return services.create_secondment(
        user=user,
        pairing=pairing or testing.pairing("信阳市", "苏州市"),
        name=name,
        id_number=fields.pop("id_number", None) or id_number(serial),
        **{k: v for k, v in values.items() if k != "id_number"},
    )
