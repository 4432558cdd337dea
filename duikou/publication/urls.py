from django.urls import path

from . import views
from .feedback import views as feedback_views

app_name = "publication"
urlpatterns = [
    path("", views.publication_list, name="list"),
    path("feedback/", feedback_views.feedback_list, name="feedback"),
    path("feedback/<int:pk>/<slug:step>", feedback_views.feedback_step, name="feedback_step"),
    path("<slug:kind>/<int:pk>/publish", views.publish, name="publish"),
    path("<slug:kind>/<int:pk>/withdraw", views.withdraw, name="withdraw"),
]
