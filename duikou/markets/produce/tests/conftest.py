"""The editor the produce tests act as: 信阳's."""

import pytest

from duikou import testing


@pytest.fixture
def editor():
    return testing.user("xy", "信阳市人民政府", "editor")
