"""Backup and restore: a backup restored into an empty database gives back every row of every table."""

import datetime
import decimal
import io
import json
import tarfile
import uuid

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder

from duikou.accounts.models import ApiToken
from duikou.core import backup, testing
from duikou.core.models import Job
from duikou.geo.models import Region
from duikou.pairings.services import update_pairing_profile

UPLOAD = "pairings/2026/信阳—苏州 联席会议纪要.pdf"
UPLOAD_BYTES = "%PDF-1.4 会议纪要\n".encode() + bytes(range(256))
LOG_MEMBER = "tables/auditlog_logentry.jsonl"


def everything() -> dict[str, list[tuple]]:
    """Every row of every table in the database, each table sorted by its primary key."""
    with connection.cursor() as cursor:
        tables = {}
        for table in sorted(connection.introspection.table_names(cursor)):
            pk = connection.introspection.get_primary_key_columns(cursor, table)
            order = ", ".join(connection.ops.quote_name(c) for c in pk) or "1"
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY {order}")
            tables[table] = [tuple(row) for row in cursor.fetchall()]
    return tables


def applied_migrations() -> dict[str, str]:
    """App → its latest applied migration, read straight from django_migrations."""
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder.Migration.objects.values_list("app", "name"):
        latest[app] = max(latest.get(app, ""), name)
    return latest


def domain_rows() -> dict[str, int]:
    """Row counts of the tables a restore must find empty (all but what `migrate` fills)."""
    skip = backup.MIGRATE_FILLED | {"django_migrations"}
    return {t: len(rows) for t, rows in everything().items() if t not in skip and rows}


def empty_database() -> None:
    """What `duikou migrate` leaves in a new database: the schema, content types and permissions, no data."""
    call_command("flush", interactive=False, verbosity=0)
    assert domain_rows() == {}


def add_data(media_root) -> None:
    """A little data beyond the reference data: a user, a token, a job (UUID key), an audited edit with JSON,
    an upload."""
    editor = testing.user("xy-editor", "信阳市人民政府", "editor", display_name="王小明", email="wang@example.cn")
    editor.last_login = datetime.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=datetime.UTC)
    editor.save()
    ApiToken.objects.create(user=editor, name="对接接口", prefix="dk_abcd", key_digest="0" * 64)
    pairing = testing.pairing("信阳市", "苏州市")
    update_pairing_profile(
        pairing=pairing,
        user=editor,
        expected_version=pairing.version,
        mechanism="联席会议每年一次；“双向挂职”\n第二行 🚩",
        contacts="",
        note="含 'quote' 与 \\ 反斜杠",
    )
    Job.objects.create(
        kind="export",
        title="导出结对清单",
        user=editor,
        status=Job.Status.DONE,
        done=20,
        total=20,
        result={"行数": 20, "文件": None},
        result_file="jobs/2026/06/结对清单.xlsx",
        finished=datetime.datetime(
            2026, 6, 30, 23, 59, 59, 999999, tzinfo=datetime.timezone(datetime.timedelta(hours=8))
        ),
    )
    # an entry of its own (the trail is append-only: PostgreSQL refuses an UPDATE of an entry)
    LogEntry.objects.log_create(
        pairing,
        force_log=True,
        action=LogEntry.Action.ACCESS,
        actor=editor,
        changes=LogEntry.objects.get_for_object(pairing).latest("timestamp").changes,
        additional_data={"浮点": 0.1, "嵌套": [1, None, True, {"空": ""}], "大数": 2**53 + 1},
    )
    path = media_root / UPLOAD
    path.parent.mkdir(parents=True)
    path.write_bytes(UPLOAD_BYTES)


def rewrite(source, dest, change) -> None:
    """Copy a tar archive member by member; ``change(name, data)`` returns new bytes, or None to drop it."""
    with tarfile.open(source) as old, tarfile.open(dest, "w") as new:
        for member in old:
            data = change(member.name, old.extractfile(member).read())
            if data is not None:
                member.size = len(data)
                new.addfile(member, io.BytesIO(data))


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.django_db(transaction=True)
def test_restore_into_an_empty_database_gives_back_every_row_and_file(reference_data, media_root, tmp_path):
    add_data(media_root)
    before = everything()
    assert len(before["geo_region"]) > 3000 and before["accounts_user"] and before["core_job"]
    path = tmp_path / "duikou.tar.gz"
    seen = []

    manifest = backup.create_backup(path=path, progress=lambda done, total: seen.append((done, total)))

    assert seen[-1][0] == seen[-1][1]
    counts = {t["table"]: t["rows"] for t in manifest["tables"]}
    assert counts == {t: len(rows) for t, rows in before.items()}
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["migrations"] == applied_migrations() and "geo" in manifest["migrations"]
    assert manifest["files"][f"media/{UPLOAD}"]["size"] == len(UPLOAD_BYTES)

    empty_database()
    (media_root / UPLOAD).unlink()
    restored = backup.restore_backup(path=path)

    assert restored["total_rows"] == manifest["total_rows"]
    after = everything()
    for table, rows in before.items():
        assert after[table] == rows, f"表 {table} 恢复后与备份前不同"
    assert set(after) == set(before)
    assert (media_root / UPLOAD).read_bytes() == UPLOAD_BYTES
    entry = LogEntry.objects.filter(additional_data__isnull=False).get()
    assert entry.additional_data["嵌套"] == [1, None, True, {"空": ""}] and entry.additional_data["大数"] == 2**53 + 1
    assert "双向挂职" in entry.changes_dict["mechanism"][1]
    assert Region.objects.get(code="411500").parent_id == "410000"
    # New rows get fresh ids after a restore (PostgreSQL sequences are reset).
    assert testing.user("after-restore", "信阳市人民政府").pk > max(row[0] for row in before["accounts_user"])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("damage", ["one byte changed", "member missing"])
def test_damaged_archive_is_refused_naming_the_member_and_nothing_is_written(
    reference_data, media_root, tmp_path, damage
):
    add_data(media_root)
    path = tmp_path / "duikou.tar"
    backup.create_backup(path=path)
    if damage == "one byte changed":
        with tarfile.open(path) as archive:
            offset = archive.getmember(LOG_MEMBER).offset_data + 10
        with path.open("r+b") as f:
            f.seek(offset)
            byte = f.read(1)
            f.seek(offset)
            f.write(bytes([byte[0] ^ 0x01]))
        message = f"成员 {LOG_MEMBER} 的 SHA-256 校验不符"
    else:
        damaged = tmp_path / "damaged.tar"
        rewrite(path, damaged, lambda name, data: None if name == LOG_MEMBER else data)
        path = damaged
        message = f"成员 {LOG_MEMBER} 不在归档中"
    empty_database()
    (media_root / UPLOAD).unlink()
    before = everything()

    with pytest.raises(backup.BackupError, match=message):
        backup.restore_backup(path=path)

    assert everything() == before
    assert not (media_root / UPLOAD).exists()


@pytest.mark.django_db(transaction=True)
def test_restore_into_a_database_with_data_or_another_schema_is_refused(
    reference_data, media_root, tmp_path, monkeypatch
):
    path = tmp_path / "duikou.tar"
    out = io.StringIO()
    call_command("backup", "--output", str(path), stdout=out, verbosity=0)
    assert f"备份已写入 {path}" in out.getvalue() and "张表" in out.getvalue()
    before = everything()

    with pytest.raises(backup.BackupError, match=r"目标数据库不是空库：表 \w+ 已有 \d+ 行"):
        backup.restore_backup(path=path)
    with pytest.raises(CommandError, match="恢复失败，未写入任何数据：目标数据库不是空库"):
        call_command("restore", str(path), "--yes", verbosity=0)
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    out = io.StringIO()
    call_command("restore", str(path), stdout=out, verbosity=0)
    assert "已取消" in out.getvalue()

    def other_schema(name, data):
        if name != backup.MANIFEST:
            return data
        manifest = json.loads(data)
        manifest["migrations"]["geo"] = "9999_later"
        return json.dumps(manifest).encode()

    other = tmp_path / "other.tar"
    rewrite(path, other, other_schema)
    geo_now = applied_migrations()["geo"]
    with pytest.raises(backup.BackupError, match=f"迁移状态与备份不一致（geo：备份为 9999_later，当前为 {geo_now}）"):
        backup.restore_backup(path=other)
    assert everything() == before
    with transaction.atomic(), pytest.raises(backup.BackupError, match="事务之外"):
        backup.create_backup(path=tmp_path / "inside.tar")
    assert not (tmp_path / "inside.tar").exists()
    with pytest.raises(backup.BackupError, match="文件已存在"):
        backup.create_backup(path=path)


@pytest.mark.parametrize(
    "field, value",
    [
        (
            models.DateTimeField(),
            datetime.datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=datetime.timezone(datetime.timedelta(hours=8))),
        ),
        (models.DateField(), datetime.date(2022, 3, 1)),
        (models.TimeField(), datetime.time(23, 59, 59, 999999)),
        (models.DecimalField(max_digits=12, decimal_places=2), decimal.Decimal("1234567890.10")),
        (models.DurationField(), datetime.timedelta(days=-1, microseconds=1)),
        (models.UUIDField(), uuid.UUID("12345678-1234-5678-1234-567812345678")),
        (models.BinaryField(), b"\x00\xff\xfe"),
        (models.FloatField(), 0.1),
        (models.BooleanField(), False),
        (models.BigIntegerField(), 2**63 - 1),
        (models.TextField(), '革命老区\n"引号" 🚩'),
    ],
)
def test_each_column_type_keeps_its_value_and_type_in_the_archive(field, value):
    kind = backup._kind(field)
    text = json.dumps(backup._ENCODE.get(kind, lambda v: v)(value))
    back = backup._DECODE.get(kind, lambda v: v)(json.loads(text))
    assert back == value and type(back) is type(value)
    if kind == "datetime":
        assert back.utcoffset() == value.utcoffset()
