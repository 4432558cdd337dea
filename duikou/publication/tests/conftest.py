"""What the publication tests share: an empty cache for each test (the public site caches what it shows), and the
信阳–苏州 world with its published evaluation (``testing.world``), nothing of it published yet."""

import pytest
from django.core.cache import cache

from duikou.publication import testing as pub


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


@pytest.fixture
def w():
    world = pub.world()
    pub.evaluation(world)
    return world
