"""Backup and restore: a backup restored into an empty database gives back every row of every table; an
archive is encrypted under the backup key, and a changed, cut, reordered or foreign archive is refused before
anything is written, as is a restore under another personal-data key."""

import datetime
import decimal
import io
import json
import tarfile
import uuid
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.test import override_settings

from duikou import testing
from duikou.accounts.models import ApiToken
from duikou.core import backup
from duikou.core.models import Job
from duikou.geo.models import Region
from duikou.pairings.services import update_pairing_profile

UPLOAD = "pairings/2026/信阳—苏州 联席会议纪要.pdf"
UPLOAD_BYTES = "%PDF-1.4 会议纪要\n".encode() + bytes(range(256))
LOG_MEMBER = "tables/auditlog_logentry.jsonl"
KEY = bytes(range(32))  # the backup key of these tests
OTHER_KEY = bytes(range(1, 33))
PII_KEY = "00112233445566778899aabbccddeeff"


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
    ApiToken.objects.create(
        user=editor,
        name="对接接口",
        prefix="dk_abcd",
        key_digest="0" * 64,
        expires=datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC),
    )
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
    path = tmp_path / "duikou.tar.gz.enc"
    seen = []

    manifest = backup.create_backup(path=path, key=KEY, progress=lambda done, total: seen.append((done, total)))

    assert seen[-1][0] == seen[-1][1]
    counts = {t["table"]: t["rows"] for t in manifest["tables"]}
    assert counts == {t: len(rows) for t, rows in before.items()}
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["migrations"] == applied_migrations() and "geo" in manifest["migrations"]
    assert manifest["files"][f"media/{UPLOAD}"]["size"] == len(UPLOAD_BYTES)

    empty_database()
    (media_root / UPLOAD).unlink()
    restored = backup.restore_backup(path=path, key=KEY)

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
    backup.create_backup(path=path, key=None)
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
        backup.restore_backup(path=path, key=None)

    assert everything() == before
    assert not (media_root / UPLOAD).exists()


@pytest.mark.django_db(transaction=True)
def test_restore_into_a_database_with_data_or_another_schema_is_refused(
    reference_data, media_root, tmp_path, monkeypatch, settings
):
    settings.DUIKOU_BACKUP_KEY_FILE = key_file = tmp_path / "backup.key"
    call_command("backup-key", "--output", str(key_file), stdout=io.StringIO())
    encrypted = tmp_path / "duikou.tar.enc"
    out = io.StringIO()
    call_command("backup", "--output", str(encrypted), stdout=out, verbosity=0)
    assert f"备份已写入 {encrypted}" in out.getvalue() and "张表" in out.getvalue() and "已加密" in out.getvalue()
    path = tmp_path / "duikou.tar"
    call_command("backup", "--unencrypted", "--output", str(path), stdout=io.StringIO(), verbosity=0)
    before = everything()

    with pytest.raises(backup.BackupError, match=r"目标数据库不是空库：表 \w+ 已有 \d+ 行"):
        backup.restore_backup(path=path, key=None)
    with pytest.raises(CommandError, match="恢复失败，未写入任何数据：.*目标数据库不是空库"):
        call_command("restore", str(encrypted), "--yes", verbosity=0)
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    out = io.StringIO()
    call_command("restore", str(encrypted), stdout=out, verbosity=0)
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
        backup.restore_backup(path=other, key=None)
    assert everything() == before
    with transaction.atomic(), pytest.raises(backup.BackupError, match="事务之外"):
        backup.create_backup(path=tmp_path / "inside.tar.enc", key=KEY)
    assert not (tmp_path / "inside.tar.enc").exists()
    with pytest.raises(backup.BackupError, match="文件已存在"):
        backup.create_backup(path=path, key=None)


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


# --- encryption and keys -----------------------------------------------------------------------------------
# One small backup of what the test database holds, made once, in chunks of 1 KiB so that it has dozens. The
# restores below fail before they touch the database: these tests have no database access, so a restore that
# got as far as writing would fail with pytest-django's "Database access not allowed" instead of the message.

SMALL_CHUNK = 1024


@pytest.fixture(scope="module")
def archives(django_db_setup, django_db_blocker, tmp_path_factory):
    """(encrypted archive, unencrypted archive) of the test database, made under PII_KEY."""
    folder = tmp_path_factory.mktemp("archives")
    with (
        pytest.MonkeyPatch.context() as patch,
        override_settings(MEDIA_ROOT=folder / "media", DUIKOU_PII_KEY=PII_KEY),
        django_db_blocker.unblock(),
    ):
        patch.setattr(backup, "ENCRYPTED_CHUNK", SMALL_CHUNK)
        backup.create_backup(path=folder / "duikou.tar.enc", key=KEY)
        backup.create_backup(path=folder / "duikou.tar", key=None)
    return folder / "duikou.tar.enc", folder / "duikou.tar"


@pytest.fixture
def pii_key(settings):
    settings.DUIKOU_PII_KEY = PII_KEY


def chunks(data: bytes) -> tuple[bytes, list[bytes]]:
    """The header and the sealed chunks of an encrypted archive written in SMALL_CHUNK chunks."""
    size = SMALL_CHUNK + 16
    head, body = data[: backup._HEADER.size], data[backup._HEADER.size :]
    return head, [body[i : i + size] for i in range(0, len(body), size)]


def flip(data: bytes, offset: int) -> bytes:
    return data[:offset] + bytes([data[offset] ^ 0x01]) + data[offset + 1 :]


TAMPERING = {
    "one byte in the middle changed": (lambda d: flip(d, len(d) // 2), r"第 \d+ 块未通过认证：归档已损坏或被改动"),
    "two chunks swapped": (
        lambda d: (lambda h, c: h + b"".join([c[0], c[2], c[1], *c[3:]]))(*chunks(d)),
        "第 2 块未通过认证",
    ),
    "a chunk dropped": (lambda d: (lambda h, c: h + b"".join(c[:3] + c[4:]))(*chunks(d)), "第 4 块未通过认证"),
    "cut after a chunk": (
        lambda d: (lambda h, c: h + b"".join(c[:-1]))(*chunks(d)),
        r"归档不完整：在第 \d+ 块之后被截断，缺少最后一块",
    ),
    "cut inside the last chunk": (lambda d: d[:-5], r"最后一块（第 \d+ 块）未通过认证：归档末尾被截断"),
    # chunks have no length of their own: a byte added to a short last chunk makes it fail as that chunk, one
    # added after a full last chunk is a chunk too many
    "a byte added at the end": (lambda d: d + b"\0", r"最后一块（第 \d+ 块）未通过认证：归档末尾被截断、多出内容|多余"),
    "header changed": (lambda d: flip(d, 20), "第 1 块未通过认证"),
    "header only": (lambda d: d[: backup._HEADER.size], "归档只有文件头，没有数据"),
}


@pytest.mark.parametrize("tampering", TAMPERING)
def test_tampered_archive_is_refused_naming_the_problem_before_anything_is_written(
    archives, tmp_path, pii_key, settings, tampering
):
    change, message = TAMPERING[tampering]
    sealed = archives[0].read_bytes()
    assert len(chunks(sealed)[1]) > 10
    path = tmp_path / "tampered.tar.enc"
    path.write_bytes(change(sealed))

    with pytest.raises(backup.BackupError, match=message) as refused:
        backup.restore_backup(path=path, key=KEY)

    assert "未写入任何数据" in str(refused.value)
    assert not Path(settings.MEDIA_ROOT).exists()


def test_archive_under_another_backup_key_is_refused_naming_both_fingerprints(archives, pii_key):
    ours, theirs = backup.key_fingerprint(OTHER_KEY), backup.key_fingerprint(KEY)

    with pytest.raises(backup.BackupError, match="另一把备份密钥") as refused:
        backup.restore_backup(path=archives[0], key=OTHER_KEY)

    assert theirs[:12] in str(refused.value) and ours[:12] in str(refused.value)


def test_encrypted_archive_needs_the_key_and_an_unencrypted_one_must_be_accepted_explicitly(archives, pii_key):
    encrypted, plain = archives
    with pytest.raises(backup.BackupError, match="归档已加密，恢复需要备份密钥"):
        backup.restore_backup(path=encrypted, key=None)
    # an unencrypted archive cannot prove where it comes from: a key given means one was expected
    with pytest.raises(backup.BackupError, match="归档没有加密，无法验证.*请用 --unencrypted 恢复"):
        backup.restore_backup(path=plain, key=KEY)


def test_archive_reveals_nothing_without_the_key_and_is_readable_by_its_owner_only(archives):
    encrypted, plain = archives
    data, contents = encrypted.read_bytes(), tarfile_bytes(plain)
    assert data.startswith(backup.ENCRYPTED_MAGIC)
    for visible in (b"accounts_user", b"password", b"key_digest"):
        assert visible in contents and visible not in data
    assert encrypted.stat().st_mode & 0o777 == 0o600


def tarfile_bytes(path) -> bytes:
    with tarfile.open(path) as archive:
        return b"".join(archive.extractfile(m).read() for m in archive if m.isfile())


def test_manifest_records_a_one_way_fingerprint_of_the_personal_data_key(archives):
    with tarfile.open(archives[1]) as archive:
        manifest = json.loads(archive.extractfile(backup.MANIFEST).read())
    fingerprint = manifest["data_keys"]["DUIKOU_PII_KEY"]
    assert len(fingerprint) == 32 and PII_KEY not in fingerprint
    assert PII_KEY.encode() not in tarfile_bytes(archives[1])
    assert manifest["encryption"] is None


@pytest.mark.parametrize("here", ["another key", "no key"])
def test_restore_under_another_personal_data_key_is_refused_before_anything_is_written(
    archives, settings, tmp_path, here
):
    """Restored under another DUIKOU_PII_KEY (or a new DUIKOU_VAR_DIR with none), every ID number would fail to
    decrypt and no search by digest would find anyone."""
    with override_settings(DUIKOU_PII_KEY=PII_KEY):
        theirs = backup._data_keys()["DUIKOU_PII_KEY"]
    if here == "another key":
        settings.DUIKOU_PII_KEY = "ff" * 16
        expected = r"本机该密钥的指纹为 [0-9a-f]{12}…"
    else:
        settings.DUIKOU_PII_KEY = ""
        settings.VAR_DIR = tmp_path
        expected = "本机还没有配置该密钥"

    with pytest.raises(backup.BackupError, match=f"按密钥 DUIKOU_PII_KEY（指纹 {theirs[:12]}…）加密，{expected}"):
        backup.restore_backup(path=archives[0], key=KEY)

    assert not (tmp_path / "pii_key").exists()  # no key is made on the way


def test_backup_refuses_to_run_without_a_key_and_says_how_to_make_one(settings, tmp_path):
    settings.DUIKOU_BACKUP_KEY_FILE = ""
    path = tmp_path / "duikou.tar.gz.enc"
    with pytest.raises(CommandError, match="未配置备份密钥。先生成一把：duikou backup-key --output"):
        call_command("backup", "--output", str(path), verbosity=0)
    assert list(tmp_path.iterdir()) == []


def test_backup_key_is_made_for_its_owner_only_never_overwritten_and_named_by_its_fingerprint(tmp_path):
    path = tmp_path / "keys" / "backup.key"
    out = io.StringIO()
    call_command("backup-key", "--output", str(path), stdout=out)

    key = backup.read_key_file(path)
    assert len(key) == 32 and path.stat().st_mode & 0o777 == 0o600
    fingerprint = backup.key_fingerprint(key)
    assert fingerprint[:12] in out.getvalue() and key.hex() not in out.getvalue()
    with pytest.raises(CommandError, match="文件已存在，不会覆盖"):
        call_command("backup-key", "--output", str(path), stdout=io.StringIO())
    assert backup.read_key_file(path) == key
    out = io.StringIO()
    call_command("backup-key", "--fingerprint", str(path), stdout=out)
    assert fingerprint in out.getvalue()
    path.write_text("not a key")
    with pytest.raises(backup.BackupError, match="不是备份密钥"):
        backup.read_key_file(path)
