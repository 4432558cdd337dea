"""API tokens expire: DUIKOU_API_TOKEN_DAYS after creation, or fewer days chosen at creation."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from duikou import testing
from duikou.accounts.models import ApiToken
from duikou.accounts.services import issue_token

pytestmark = pytest.mark.django_db


def test_a_token_expires_after_the_configured_days(settings):
    settings.DUIKOU_API_TOKEN_DAYS = 7
    before = timezone.now()
    token, _key = issue_token(user=testing.user("xy", "信阳市人民政府", "editor"), name="脚本")
    assert before + datetime.timedelta(days=7) <= token.expires <= timezone.now() + datetime.timedelta(days=7)


def test_the_default_lifetime_is_90_days():
    from django.conf import settings

    assert settings.DUIKOU_API_TOKEN_DAYS == 90


def test_an_expired_token_is_refused_like_a_revoked_one(client):
    token, key = issue_token(user=testing.user("xy", "信阳市人民政府", "editor"), name="脚本")
    assert client.get("/api/pairings", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get("/api/pairings", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_fewer_days_may_be_chosen_and_more_are_refused(client, settings):
    settings.DUIKOU_API_TOKEN_DAYS = 30
    user = testing.user("xy", "信阳市人民政府", "editor")
    with pytest.raises(ValidationError, match="1 至 30 天"):
        issue_token(user=user, name="脚本", days=31)
    testing.login(client, user)
    refused = client.post("/accounts/profile/", {"name": "太长", "days": "31"})
    assert "有效期最长 30 天" in refused.content.decode() and not ApiToken.objects.exists()
    page = client.post("/accounts/profile/", {"name": "季度报送", "days": "10"}).content.decode()
    token = ApiToken.objects.get(name="季度报送")
    assert round((token.expires - token.created).total_seconds() / 86400) == 10
    assert timezone.localtime(token.expires).strftime("%Y-%m-%d %H:%M") in page and "到期时间" in page
