"""The editors the labour tests act as: 信阳 (the seekers' side), 苏州 (the employers') and 延安 (a stranger)."""

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


@pytest.fixture(name="editor")
def _editor(xinyang):
    return xinyang


@pytest.fixture(name="employer")
def _employer(suzhou):
    return suzhou
