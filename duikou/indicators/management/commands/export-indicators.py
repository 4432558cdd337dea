from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from duikou.core.actors import acting_user
from duikou.indicators import queries
from duikou.indicators.transfer import export_values


class Command(BaseCommand):
    help = "导出指标数据：--format json（DHIS2 dataValueSets）、csv 或 xlsx"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="以该用户的权限范围导出")
        parser.add_argument("--format", default="", help="json、csv 或 xlsx（默认按文件扩展名）")
        parser.add_argument("--period", default="", help="只导出该报告期，如 2025Q3")

    def handle(self, *args, file: Path, user: str, format: str, period: str, **options):
        actor = acting_user(user)  # --user is required: never the platform operator here
        fmt = format or file.suffix.lstrip(".").lower()
        try:
            values = queries.values_for(actor, period=period).filter(value__isnull=False)
            content, _name, _type = export_values(values, fmt)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        file.write_bytes(content)
        self.stdout.write(self.style.SUCCESS(f"已导出 {values.count()} 条到 {file}"))
