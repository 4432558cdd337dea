from django.urls import path

from . import views

# 结对推荐: city profiles, economic ties, ranked candidates and the optimal assignment (views.py).
urlpatterns = [
    path("recommend/sources/", views.sources, name="recommend_sources"),
    path("recommend/sources/import/", views.source_import, name="recommend_import"),
    path("recommend/profiles/", views.profiles, name="recommend_profiles"),
    path("recommend/ties/", views.ties, name="recommend_ties"),
    path("recommend/ties/new/", views.tie_create, name="recommend_tie_create"),
    path("recommend/rank/", views.rank, name="recommend_rank"),
    path("recommend/rank/export.xlsx", views.rank_export, name="recommend_rank_export"),
    path("recommend/review/<int:pk>/", views.review, name="recommend_review"),
    path("recommend/assign/", views.assign, name="recommend_assign"),
]
