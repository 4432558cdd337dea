from django.urls import path

from . import views

app_name = "monitoring"
urlpatterns = [
    path("", views.alert_list, name="alerts"),
    path("screen/", views.screen, name="screen"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("households/<int:pk>/members.csv", views.member_export, name="member_export"),
]
