from django.urls import path

from . import consumption_views, labour_views, recommend_views, views  # noqa: F401

app_name = "markets"

# The overview of the three kinds of matching (views.py).
hub_urls = [
    path("", views.home, name="home"),
]

# 产销对接: product listings, demands, recommendations both ways, agreements and deliveries (consumption_views.py).
consumption_urls: list = []

# 劳务协作: job postings, job seekers, matches both ways, placements and follow-ups (labour_views.py).
labour_urls: list = []

# 结对推荐: city profiles, economic ties, ranked candidates and the optimal assignment (recommend_views.py).
recommend_urls: list = []

urlpatterns = [*hub_urls, *consumption_urls, *labour_urls, *recommend_urls]
