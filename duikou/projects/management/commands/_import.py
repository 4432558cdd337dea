from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from duikou.core.actors import acting_user, add_user_argument
from duikou.core.errors import UserFacingError
from duikou.core.progress import progress_bar
from duikou.core.tables import import_rows
from duikou.projects import tables


class ImportCommand(BaseCommand):
    kind = "projects"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="按模板填写的 .xlsx（或 CSV）文件")
        parser.add_argument("--dry-run", action="store_true", help="试导入：只校验并报告，不写入任何数据")
        add_user_argument(parser)

    def handle(self, *args, file: Path, dry_run: bool, user: str | None, **options):
        actor = acting_user(user)
        try:
            data = file.read_bytes()
        except FileNotFoundError as exc:
            raise CommandError(f"{file}：文件不存在") from exc
        except IsADirectoryError as exc:
            raise CommandError(f"{file}：是目录，不是文件") from exc
        except OSError as exc:
            raise CommandError(f"无法读取 {file}（{exc.strerror or exc}）") from exc
        noun = tables.NOUNS[self.kind]
        try:
            with progress_bar(f"{'试导入' if dry_run else '导入'}{noun}", options["verbosity"]) as progress:
                result = import_rows(
                    tables.SPECS[self.kind],
                    user=actor,
                    data=data,
                    filename=file.name,
                    dry_run=dry_run,
                    progress=progress,
                )
        except UserFacingError as exc:
            for error in exc.details.get("errors", []):
                where = f"第 {error['row']} 行" + (f"「{error['column']}」列" if error["column"] else "")
                value = f"（值：{error['value']}）" if error["value"] else ""
                self.stderr.write(f"  {where}{value}：{error['reason']}")
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(result["summary"]))
