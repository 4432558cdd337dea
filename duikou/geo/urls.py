from django.urls import path

from . import views

app_name = "geo"
urlpatterns = [
    path("regions/", views.region_list, name="region_list"),
    path("regions/<str:code>/", views.region_detail, name="region_detail"),
    path("old-areas/", views.old_area_list, name="old_area_list"),
]
