"""The people of the evaluation tests (duikou.evaluation.testing.People); a module may name its own ``who``."""

import pytest

from duikou.evaluation import testing as ev


@pytest.fixture
def who():
    return ev.People()
