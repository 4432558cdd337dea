from ninja import Router, Schema
from ninja.pagination import paginate

from duikou.accounts import scoping
from duikou.core.pagination import Pages

from . import queries
from .models import Region

router = Router(tags=["regions"])


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent_id: str | None


class OldAreaOut(Schema):
    key: str
    name: str
    short_name: str
    name_en: str
    pairing_count: int


@router.get("/regions", response=list[RegionOut])
@paginate(Pages, page_size=100)
def list_regions(request, q: str = "", level: str = "", parent: str = ""):
    return queries.regions_for(request.user, q=q, level=level, parent=parent)


@router.get("/regions/{code}", response=RegionOut)
def get_region(request, code: str):
    return scoping.get_for(request.user, Region, code=code)


@router.get("/old-areas", response=list[OldAreaOut])
@paginate(Pages, page_size=100)
def list_old_areas(request):
    return queries.old_areas_for(request.user)
