from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("password/", views.password_change, name="password_change"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("users/<int:pk>/reactivate/", views.user_reactivate, name="user_reactivate"),
    path("users/<int:pk>/role/", views.user_role, name="user_role"),
    path("users/<int:pk>/password/", views.user_password, name="user_password"),
    path("users/<int:pk>/reset-lockout/", views.user_reset_lockout, name="user_reset_lockout"),
    path("users/<int:pk>/reset-two-factor/", views.user_reset_two_factor, name="user_reset_two_factor"),
    path("lockouts/", views.lockouts, name="lockouts"),
    path("two-factor/enrol/", views.two_factor_enrol, name="two_factor_enrol"),
    path("two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
]
