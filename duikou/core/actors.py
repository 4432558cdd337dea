"""Who acts: a signed-in user, or the platform operator at the command line."""


class Operator:
    """The platform operator at the command line (imports, exports, demo data): the whole country is in scope
    and the audit history records the change as made by the system. Never used for a web request."""

    is_authenticated = True
    is_active = True
    is_superuser = True
    is_anonymous = False
    role = ""
    organisation = None
    pk = None
    username = "operator"

    def __str__(self) -> str:
        return "系统（命令行）"


def audit_actor(user):
    """The user the audit history names for a change by ``user``: none (the system) for the operator."""
    return None if isinstance(user, Operator) else user
