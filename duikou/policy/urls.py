from django.urls import path

from . import views

app_name = "policy"
urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search, name="search"),
    path("clause/<path:clause_id>/", views.clause, name="clause"),
    path("<slug:doc_id>/", views.document, name="document"),
]
