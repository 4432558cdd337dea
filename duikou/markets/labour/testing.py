"""Small factories for the labour-cooperation tests (and the labour part of the permission matrix)."""

import datetime

from duikou.core import pii
from duikou.core.actors import Operator
from duikou.geo.models import Region

from ..models import JobPosting, JobSeeker
from . import services

FAR = datetime.date(2099, 12, 31)


def id_number(serial: int, area: str = "411526", birth: str = "19900101") -> str:
    """A synthetic ID number with a valid GB 11643 check digit."""
    first = f"{area}{birth}{serial % 1000:03d}"
    return first + pii.id_check_digit(first)


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def posting(
    code: str = "320505", title: str = "电工", *, user=None, employer: str = "苏州测试电子有限公司", **fields
) -> JobPosting:
    values = {
        "occupation": "manufacturing",
        "skills": ["electrician"],
        "wage_min": 5000,
        "wage_max": 6000,
        "housing": True,
        "headcount": 1,
        "valid_until": FAR,
    } | fields
    return services.create_posting(
        user=user or Operator(), employer=employer, region=region(code), title=title, **values
    )


def seeker(
    home: str = "411526", name: str = "测试求职者", *, serial: int = 1, user=None, id_number_: str = "", **fields
) -> JobSeeker:
    values = {
        "occupations": [],
        "skills": [],
        "trainings": [],
        "preferred_regions": [],
        "expected_wage": 5000,
        "needs_housing": False,
    } | fields
    return services.register_seeker(
        user=user or Operator(),
        home=region(home),
        name=name,
        id_number=id_number_ or id_number(serial, area=home),
        **values,
    )


def matrix_world(editor, stranger) -> dict:
    """A seeking and a placed job seeker from 潢川县 (信阳, in scope of ``editor``) and from 宝塔区 (延安, the
    stranger's); postings in 苏州 and 无锡; a placement on each side with its follow-ups."""
    start = datetime.date(2025, 3, 1)
    world = {
        "inside_posting": posting("320505", "信阳侧可见苏州岗位", employer="苏州矩阵电子有限公司", headcount=5),
        "outside_posting": posting("320214", "无锡矩阵岗位", employer="无锡矩阵机械有限公司", headcount=5),
        "inside_seeker": seeker("411526", "信阳侧求职者", serial=901, user=editor, skills=["electrician"]),
        "outside_seeker": seeker("610602", "延安侧求职者", serial=902, user=stranger, skills=["electrician"]),
    }
    world["inside_waiting_seeker"] = seeker("411526", "信阳侧待安置", serial=905, user=editor)
    placed_in = seeker("411526", "信阳侧已安置", serial=903, user=editor)
    placed_out = seeker("610602", "延安侧已安置", serial=904, user=stranger)
    world["inside_placement"] = services.record_placement(
        user=editor, seeker=placed_in, posting=world["inside_posting"], start_date=start, wage=5500
    )
    world["outside_placement"] = services.record_placement(
        user=stranger, seeker=placed_out, posting=world["outside_posting"], start_date=start, wage=5200
    )
    world["inside_followup"] = world["inside_placement"].followups.get(months=3)
    world["outside_followup"] = world["outside_placement"].followups.get(months=3)
    return world
