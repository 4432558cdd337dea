from django.urls import path

from . import views
from .labour import urls as labour_urls
from .produce import urls as produce_urls
from .recommend import urls as recommend_urls

app_name = "markets"

# The overview of the three kinds of matching (views.py).
hub_urls = [
    path("", views.home, name="home"),
]

# 产销对接 (produce/urls.py), 劳务协作 (labour/urls.py) and 结对推荐 (recommend/urls.py).
urlpatterns = [*hub_urls, *produce_urls.urlpatterns, *labour_urls.urlpatterns, *recommend_urls.urlpatterns]
