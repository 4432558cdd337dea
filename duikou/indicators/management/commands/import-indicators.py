from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from duikou.core.actors import acting_user
from duikou.core.errors import UserFacingError
from duikou.core.progress import progress_bar
from duikou.indicators.transfer import import_values


class Command(BaseCommand):
    help = "导入指标数据（CSV、.xlsx 或 DHIS2 dataValueSets JSON）：全部校验通过才写入，可重复执行"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="以该用户的身份和权限范围导入")
        parser.add_argument("--dry-run", action="store_true", help="试导入：只校验并报告，不写入")

    def handle(self, *args, file: Path, user: str, dry_run: bool, **options):
        actor = acting_user(user)
        try:
            data = file.read_bytes()
        except FileNotFoundError as exc:
            raise CommandError(f"{file}：文件不存在") from exc
        except IsADirectoryError as exc:
            raise CommandError(f"{file}：是目录，不是文件") from exc
        except OSError as exc:
            raise CommandError(f"无法读取 {file}：{exc.strerror or exc}") from exc
        try:
            with progress_bar("试导入" if dry_run else "导入", options["verbosity"]) as progress:
                result = import_values(user=actor, data=data, filename=file.name, dry_run=dry_run, progress=progress)
        except UserFacingError as exc:
            for e in exc.details.get("errors", []):
                where = f"第 {e['row']} 行" + (f"「{e['column']}」" if e["column"] else "") if e["row"] else ""
                self.stderr.write(f"  {where}{'（值：' + e['value'] + '）' if e['value'] else ''}：{e['reason']}")
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(result["summary"]))
