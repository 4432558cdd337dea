"""The red-culture platform's public pages, under /public/culture/ in the public site's namespace ("public:…"; the
wiring in duikou/urls.py joins them to publication.public_urls)."""

from django.urls import path

from . import public_views

urlpatterns = [
    path("culture/", public_views.catalogue, name="culture"),
    path("culture/resources/<int:pk>/", public_views.resource, name="culture_resource"),
    path("culture/routes/<int:pk>/", public_views.route, name="culture_route"),
    path("culture/media/<int:pk>/", public_views.medium, name="culture_medium"),
]
