"""The language menu names each language in itself: English is 「English」 on a Chinese page, 简体中文 on an English
one (Django's own catalogue would call it 英语)."""

import pytest

from duikou import testing

pytestmark = pytest.mark.django_db


def test_each_language_is_named_in_itself(client):
    testing.login(client, testing.user("menu_viewer", "信阳市人民政府", "viewer"))
    html = client.get("/").content.decode()
    assert ">English</option>" in html and ">简体中文</option>" in html and "英语" not in html
    client.cookies["django_language"] = "en"
    html = client.get("/").content.decode()
    assert ">English</option>" in html and ">简体中文</option>" in html and "Simplified Chinese" not in html
