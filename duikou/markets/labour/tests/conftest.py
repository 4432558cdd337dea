"""The labour tests' people: an editor of 信阳 (home of the job seekers), of 苏州 (the employers' side) and of 延安
(another area)."""

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
