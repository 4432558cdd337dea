"""The public pages of household monitoring (no sign-in), at the site's root: the self-declaration page a village's
QR code points at, and the status page. Only these need to be reachable from outside (docs/deployment.md)."""

from django.urls import path, re_path

from . import front

urlpatterns = [
    path("declare/status/", front.declare_status, name="declare_status"),
    re_path(r"^declare/(?P<code>\d{12})/$", front.declare, name="declare"),
]
