"""duikou's settings with Django's cache turned off, for the reference server of bench/public_load/run.py.

The public site's cache (duikou/publication/cache.py) is the only user of Django's cache, so with the dummy backend
every public page, table and API answer is built on every request (after reading the generation, as always), and
nothing else changes. For the benchmark only: started as ``DJANGO_SETTINGS_MODULE=bench.public_load.nocache_settings``
with the repository root on the path.
"""

from duikou.settings import *  # noqa: F403

CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
