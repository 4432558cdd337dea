from django.urls import path

from . import consumption_views, labour_views, recommend_views, views  # noqa: F401

app_name = "markets"

# The overview of the three kinds of matching (views.py).
hub_urls = [
    path("", views.home, name="home"),
]

# 产销对接: product listings, demands, recommendations both ways, agreements and deliveries (consumption_views.py).
consumption_urls: list = [
    path("produce/listings/", consumption_views.listing_list, name="produce_listings"),
    path("produce/listings/export.xlsx", consumption_views.listing_export, name="produce_listing_export"),
    path("produce/listings/template.xlsx", consumption_views.listing_template, name="produce_listing_template"),
    path("produce/listings/import/", consumption_views.listing_import, name="produce_listing_import"),
    path("produce/listings/new/", consumption_views.listing_create, name="produce_listing_create"),
    path("produce/listings/<int:pk>/", consumption_views.listing_detail, name="produce_listing_detail"),
    path("produce/listings/<int:pk>/edit/", consumption_views.listing_edit, name="produce_listing_edit"),
    path("produce/listings/<int:pk>/close/", consumption_views.listing_close, name="produce_listing_close"),
    path("produce/demands/", consumption_views.demand_list, name="produce_demands"),
    path("produce/demands/export.xlsx", consumption_views.demand_export, name="produce_demand_export"),
    path("produce/demands/template.xlsx", consumption_views.demand_template, name="produce_demand_template"),
    path("produce/demands/import/", consumption_views.demand_import, name="produce_demand_import"),
    path("produce/demands/new/", consumption_views.demand_create, name="produce_demand_create"),
    path("produce/demands/<int:pk>/", consumption_views.demand_detail, name="produce_demand_detail"),
    path("produce/demands/<int:pk>/edit/", consumption_views.demand_edit, name="produce_demand_edit"),
    path("produce/demands/<int:pk>/close/", consumption_views.demand_close, name="produce_demand_close"),
    path("produce/plan/", consumption_views.plan, name="produce_plan"),
    path("produce/agreements/", consumption_views.agreement_list, name="produce_agreements"),
    path("produce/agreements/new/", consumption_views.agreement_create, name="produce_agreement_create"),
    path("produce/agreements/<int:pk>/", consumption_views.agreement_detail, name="produce_agreement_detail"),
    path("produce/agreements/<int:pk>/deliveries/", consumption_views.delivery_create, name="produce_delivery_create"),
]

# 劳务协作: job postings, job seekers, matches both ways, placements and follow-ups (labour_views.py).
L = labour_views
labour_urls: list = [
    path("labour/postings/", L.posting_list, name="labour_postings"),
    path("labour/postings/new/", L.posting_create, name="labour_posting_create"),
    path("labour/postings/export.xlsx", L.posting_export, name="labour_posting_export"),
    path("labour/postings/template.xlsx", L.posting_template, name="labour_posting_template"),
    path("labour/postings/import/", L.posting_import, name="labour_posting_import"),
    path("labour/postings/<int:pk>/", L.posting_detail, name="labour_posting_detail"),
    path("labour/postings/<int:pk>/edit/", L.posting_edit, name="labour_posting_edit"),
    path("labour/postings/<int:pk>/close/", L.posting_close, name="labour_posting_close"),
    path("labour/seekers/", L.seeker_list, name="labour_seekers"),
    path("labour/seekers/new/", L.seeker_create, name="labour_seeker_create"),
    path("labour/seekers/export.xlsx", L.seeker_export, name="labour_seeker_export"),
    path("labour/seekers/template.xlsx", L.seeker_template, name="labour_seeker_template"),
    path("labour/seekers/import/", L.seeker_import, name="labour_seeker_import"),
    path("labour/seekers/<int:pk>/", L.seeker_detail, name="labour_seeker_detail"),
    path("labour/seekers/<int:pk>/edit/", L.seeker_edit, name="labour_seeker_edit"),
    path("labour/place/<int:seeker>/<int:posting>/", L.placement_create, name="labour_placement_create"),
    path("labour/placements/", L.placement_list, name="labour_placements"),
    path("labour/placements/<int:pk>/", L.placement_detail, name="labour_placement_detail"),
    path("labour/followups/", L.followup_list, name="labour_followups"),
    path("labour/followups/<int:pk>/", L.followup_record, name="labour_followup_record"),
    path("labour/plan/", L.plan, name="labour_plan"),
]

# 结对推荐: city profiles, economic ties, ranked candidates and the optimal assignment (recommend_views.py).
recommend_urls = [
    path("recommend/sources/", recommend_views.sources, name="recommend_sources"),
    path("recommend/sources/import/", recommend_views.source_import, name="recommend_import"),
    path("recommend/profiles/", recommend_views.profiles, name="recommend_profiles"),
    path("recommend/ties/", recommend_views.ties, name="recommend_ties"),
    path("recommend/ties/new/", recommend_views.tie_create, name="recommend_tie_create"),
    path("recommend/rank/", recommend_views.rank, name="recommend_rank"),
    path("recommend/rank/export.xlsx", recommend_views.rank_export, name="recommend_rank_export"),
    path("recommend/review/<int:pk>/", recommend_views.review, name="recommend_review"),
    path("recommend/assign/", recommend_views.assign, name="recommend_assign"),
]

urlpatterns = [*hub_urls, *consumption_urls, *labour_urls, *recommend_urls]
