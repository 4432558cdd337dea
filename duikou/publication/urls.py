from django.urls import path

from . import views

app_name = "publication"
urlpatterns = [
    path("", views.publication_list, name="list"),
    path("<slug:kind>/<int:pk>/publish", views.publish, name="publish"),
    path("<slug:kind>/<int:pk>/withdraw", views.withdraw, name="withdraw"),
]
