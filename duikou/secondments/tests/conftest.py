"""The people the seconded-people tests act as: editors of 信阳 and 苏州 (the pairing's two cities) and of 延安."""

import pytest

from duikou import testing


@pytest.fixture
def xinyang():
    return testing.user("xy_editor", "信阳市人民政府", "editor")


@pytest.fixture
def suzhou():
    return testing.user("sz_editor", "苏州市人民政府", "editor")


@pytest.fixture
def yanan():
    return testing.user("ya_editor", "延安市人民政府", "editor")


@pytest.fixture
def pairing():
    return testing.pairing("信阳市", "苏州市")
