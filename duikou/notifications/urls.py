from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.open_item, name="open"),
    path("<int:pk>/read", views.mark_read, name="read"),
    path("read-all", views.mark_all_read, name="read_all"),
    path("preferences/", views.preferences, name="preferences"),
    path("deliveries/", views.deliveries, name="deliveries"),
    path("deliveries/<int:pk>/retry", views.delivery_retry, name="delivery_retry"),
]
