"""Input no database can take is answered 400 with a message, never with a server error."""

import logging

from django.db import DataError
from django.http import HttpResponseBadRequest, JsonResponse

logger = logging.getLogger(__name__)

NUL_REFUSED = "请求中含有空字符（NUL），无法处理。请检查输入的内容。"
VALUE_REFUSED = "请求中的数值超出范围或格式无法保存，请检查输入的内容。"

# what the database refuses as data: a number out of its column's range (PostgreSQL raises DataError, SQLite's
# driver OverflowError), text it cannot hold
REFUSED_VALUES = (DataError, OverflowError)


def has_nul(request) -> bool:
    """A NUL character anywhere in the path, the query string, the form fields or a JSON body (no text column can
    store one; PostgreSQL refuses it outright)."""
    if "\x00" in request.path:
        return True
    sources = [request.GET]
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        sources.append(request.POST)
    elif request.content_type == "application/json" and b"\\u0000" in request.body:
        return True  # JSON writes a NUL as \u0000
    return any(
        "\x00" in key or any("\x00" in v for v in values) for source in sources for key, values in source.lists()
    )


class BadInputMiddleware:
    """Refuses a request with a NUL character before any page or API route runs, and answers a value the database
    refuses (raised while a page runs) with 400 instead of a server error; the API answers those itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if has_nul(request):
            if request.path.startswith("/api/"):  # the API's one error shape (duikou.core.api.ErrorOut)
                return JsonResponse({"detail": NUL_REFUSED}, status=400, json_dumps_params={"ensure_ascii": False})
            return HttpResponseBadRequest(NUL_REFUSED, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, REFUSED_VALUES):
            logger.warning("refused value in %s %s: %s", request.method, request.path, exception)
            return HttpResponseBadRequest(VALUE_REFUSED, content_type="text/plain; charset=utf-8")
        return None
