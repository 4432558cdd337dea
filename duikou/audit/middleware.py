"""The request address in every audit entry is one a client cannot write.

auditlog's own middleware records the first address of ``X-Forwarded-For`` whenever the header is there, so a
client that sends ``X-Forwarded-For: 1.2.3.4`` is recorded as 1.2.3.4. Here the address is the peer's, unless the
platform runs behind a reverse proxy that it believes (``DUIKOU_TRUSTED_PROXY=yes``, the same setting that lets it
believe the proxy's ``X-Forwarded-Proto``): then it is the last address of ``X-Forwarded-For`` — the one that proxy
appended, the address it saw, whatever a client wrote before it (``duikou.core.public.client_address``, which the
public pages' rate limits use too) — and the port is the one the proxy forwarded.
The address is kept for the request's duration, so that entries written inside services (``duikou.core.audit_context.
set_actor``) carry it too.
"""

from auditlog.middleware import AuditlogMiddleware
from django.conf import settings

from duikou.core.audit_context import request_address
from duikou.core.public import client_address


def _from_trusted_proxy(request) -> bool:
    return settings.DUIKOU_TRUSTED_PROXY


class AuditMiddleware(AuditlogMiddleware):
    @staticmethod
    def _get_remote_addr(request):
        if settings.AUDITLOG_DISABLE_REMOTE_ADDR:
            return None
        return client_address(request) or None

    @staticmethod
    def _get_remote_port(request) -> int | None:
        port = request.headers.get("X-Forwarded-Port", "") if _from_trusted_proxy(request) else ""
        port = port or request.META.get("REMOTE_PORT", "")
        try:
            return int(port)
        except ValueError:
            return None

    def __call__(self, request):
        token = request_address.set((self._get_remote_addr(request), self._get_remote_port(request)))
        try:
            return super().__call__(request)
        finally:
            request_address.reset(token)
