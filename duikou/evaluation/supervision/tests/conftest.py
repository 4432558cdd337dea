"""The people and the pairing every supervision test starts from."""

import pytest

from duikou import testing
from duikou.evaluation.testing import supervision_people


@pytest.fixture
def who():
    return supervision_people()


@pytest.fixture
def xinyang():
    return testing.pairing("信阳市", "苏州市")
