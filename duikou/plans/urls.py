from django.urls import path

from . import views

app_name = "plans"
urlpatterns = [
    path("", views.plan_list, name="list"),
    path("new/", views.plan_create, name="create"),
    path("items/", views.unit_items, name="items"),
    # the one to-do list is /todo/ now: old bookmarks land there
    path("todo/", views.moved_to_todo, name="todo"),
    path("overdue/", views.moved_to_todo, {"overdue": True}, name="overdue"),
    path("matrix/", views.matrix, name="matrix"),
    path("items/<int:item_id>/done/", views.item_done, name="item_done"),
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/plan.docx", views.plan_docx, name="docx"),
    path("<int:pk>/compare/", views.plan_compare, name="compare"),
    path("<int:pk>/step/<slug:step>/", views.plan_step, name="step"),
    path("<int:pk>/<slug:section>/", views.plan_content, name="content_add"),
    path("<int:pk>/<slug:section>/<int:row_id>/", views.plan_content, name="content_edit"),
]
