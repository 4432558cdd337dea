"""The audit trail is append-only in the database itself (PostgreSQL): a trigger refuses any UPDATE of an entry of
django-auditlog's table, and any DELETE of an entry younger than 184 days — six calendar months at most, the
minimum the Cybersecurity Law (网络安全法 第二十一条) asks network logs to be kept. Older entries may go
(``duikou purge-audit``); inserting is untouched, so a restore into an empty database loads as before.

On SQLite this migration does nothing: the embedded mode is for one machine and demonstrations, and Django's tests
empty SQLite tables with DELETE, which such a trigger would refuse. (On PostgreSQL they use TRUNCATE, which a row
trigger does not see; TRUNCATE needs the table's owner, as dropping the trigger does.)
"""

from django.db import migrations

MIN_DAYS = 184  # settings.AUDIT_MIN_RETENTION_DAYS when this was written; a change is a new migration

CREATE = f"""
CREATE OR REPLACE FUNCTION duikou_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'audit entry % cannot be changed: the audit trail is append-only', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.timestamp > now() - interval '{MIN_DAYS} days' THEN
        RAISE EXCEPTION 'audit entry % of % cannot be deleted: entries are kept at least {MIN_DAYS} days',
            OLD.id, OLD.timestamp
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER duikou_audit_append_only
    BEFORE UPDATE OR DELETE ON auditlog_logentry
    FOR EACH ROW EXECUTE FUNCTION duikou_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS duikou_audit_append_only ON auditlog_logentry;
DROP FUNCTION IF EXISTS duikou_audit_append_only();
"""


def _on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # no placeholders: the % are PL/pgSQL's

    return run


class Migration(migrations.Migration):
    dependencies = [("auditlog", "0017_add_actor_email")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP), elidable=False)]
