"""The API's page-number pagination, with the page bounded so that its offset stays a number the databases take."""

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

MAX_PAGE = 10**9  # × at most 100 rows a page: an offset well inside a 64-bit integer


class Pages(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1)
