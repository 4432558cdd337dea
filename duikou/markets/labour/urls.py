from django.urls import path

from ..routes import record_paths
from . import views


def _pages(kind: str, **own) -> dict:
    """The pages of postings or seekers: their own views, and the views both share (told the kind)."""
    by_kind = {"kind": kind}
    shared = {"export": views.export, "template": views.template, "import": views.import_table}
    shared |= {"create": views.create, "edit": views.edit}
    return own | {page: (view, by_kind) for page, view in shared.items()}


POSTINGS = _pages("posting", list=views.posting_list, detail=views.posting_detail, close=views.posting_close)
SEEKERS = _pages("seeker", list=views.seeker_list, detail=views.seeker_detail)

# 劳务协作: job postings, job seekers, matches both ways, placements and follow-ups (views.py).
urlpatterns: list = [
    *record_paths("labour", "posting", POSTINGS),
    *record_paths("labour", "seeker", SEEKERS),
    path("labour/place/<int:seeker>/<int:posting>/", views.placement_create, name="labour_placement_create"),
    path("labour/placements/", views.placement_list, name="labour_placements"),
    path("labour/placements/<int:pk>/", views.placement_detail, name="labour_placement_detail"),
    path("labour/followups/", views.followup_list, name="labour_followups"),
    path("labour/followups/<int:pk>/", views.followup_record, name="labour_followup_record"),
    path("labour/plan/", views.plan, name="labour_plan"),
]
