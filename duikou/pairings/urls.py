from django.urls import path

from . import views

app_name = "pairings"
urlpatterns = [
    path("", views.pairing_list, name="list"),
    path("export.xlsx", views.pairing_export, name="export"),
    path("map-data.json", views.pairing_map_data, name="map_data"),
    path("<int:pk>/", views.pairing_detail, name="detail"),
    path("<int:pk>/edit/", views.pairing_edit, name="edit"),
]
