"""Who made a change and from which address, for the audit entries written while a request or a command runs.

Services say who acts with ``set_actor(user)``. auditlog's own ``set_actor`` takes the request's address too and,
given none, records none — so every entry written inside a service lost the address the middleware had found.
This one passes the address of the request being served (``AuditMiddleware`` keeps it); outside a request (the
command line, a background job started without one) there is none.
"""

from contextvars import ContextVar

from auditlog.context import set_actor as _auditlog_set_actor

# (address, port) of the request being served
request_address: ContextVar[tuple[str | None, int | None]] = ContextVar("request_address", default=(None, None))


def set_actor(actor):
    """A context in which audit entries name ``actor`` and the current request's address."""
    address, port = request_address.get()
    return _auditlog_set_actor(actor, remote_addr=address, remote_port=port)
