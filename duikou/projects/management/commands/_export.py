from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from duikou.core.actors import acting_user, add_user_argument
from duikou.core.errors import UserFacingError
from duikou.core.progress import progress_bar
from duikou.projects import tables


class ExportCommand(BaseCommand):
    kind = "projects"

    def add_arguments(self, parser):
        parser.add_argument("out", type=Path, help="输出文件，以 .xlsx 或 .csv 结尾（格式由扩展名决定）")
        parser.add_argument("--pairing", help="只导出该结对编号（如 N09）的记录")
        add_user_argument(parser)

    def handle(self, *args, out: Path, pairing: str | None, user: str | None, **options):
        actor = acting_user(user)
        fmt = out.suffix.lower().lstrip(".")
        if fmt not in ("xlsx", "csv"):
            raise CommandError(f"{out}：文件名须以 .xlsx 或 .csv 结尾")
        filters = {}
        if pairing:
            from duikou.pairings.queries import pairings_for

            found = pairings_for(actor, status="").filter(code=pairing).first()
            if found is None:
                raise CommandError(f"结对编号「{pairing}」不存在或不在权限范围内")
            filters["pairing"] = found.pk
        try:
            with progress_bar(f"导出{tables.NOUNS[self.kind]}", options["verbosity"]) as progress:
                _name, content = tables.export_file(
                    kind=self.kind, user=actor, filters=filters, fmt=fmt, progress=progress
                )
        except UserFacingError as exc:
            raise CommandError(str(exc)) from exc
        try:
            out.write_bytes(content)
        except OSError as exc:
            raise CommandError(f"无法写入 {out}：{exc.strerror or exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"已写入 {out}"))
