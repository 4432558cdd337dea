"""The public site (/public/, no sign-in): what must be reachable from outside, with /public/api/; duikou/urls.py puts
these and the red-culture platform's pages (culture.public_urls) in the one namespace "public"."""

from django.urls import path

from . import public_views
from .feedback import public_views as feedback_views

urlpatterns = [
    path("", public_views.index, name="index"),
    path("pairings/", public_views.pairings, name="pairings"),
    path("pairings/<int:pk>/", public_views.pairing, name="pairing"),
    path("feedback/<slug:kind>/<int:subject_id>/", feedback_views.feedback, name="feedback"),
    path("regions/", public_views.regions, name="regions"),
    path("regions/<str:code>/", public_views.region, name="region"),
    path("data/", public_views.data, name="data"),
    path("search/", public_views.search_page, name="search"),
    path("sitemap.xml", public_views.sitemap, name="sitemap"),
    path("data/<slug:name>.csv", public_views.download, {"fmt": "csv"}, name="csv"),
    path("data/<slug:name>.json", public_views.download, {"fmt": "json"}, name="json"),
]
