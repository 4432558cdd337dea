"""The public pages of 公示, 公告, objections and appeals (no sign-in), at /notices/ of the site root."""

from django.urls import path, re_path

from . import notices

app_name = "notices"
urlpatterns = [
    path("appeal/", notices.appeal, name="appeal"),
    path("answer/", notices.answer, name="answer"),
    re_path(r"^(?P<code>\d{12})/$", notices.village_notices, name="village"),
]
