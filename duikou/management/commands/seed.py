from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from duikou.core.errors import DataFileError
from duikou.core.progress import progress_bar
from duikou.geo.models import Region
from duikou.seeding import seed_reference_data


class Command(BaseCommand):
    help = "载入参考数据（行政区划、革命老区、政策文件、结对关系）；可重复执行，出错时不写入任何数据"

    def add_arguments(self, parser):
        parser.add_argument(
            "--levels",
            default="province,prefecture,county,township,village",
            help="要载入的区划层级，逗号分隔（默认全部五级）",
        )

    def handle(self, *args, levels, **options):
        wanted = [lv.strip() for lv in levels.split(",") if lv.strip()]
        unknown = set(wanted) - set(Region.Level.values)
        if unknown:
            raise CommandError(f"未知的区划层级：{', '.join(sorted(unknown))}")
        try:
            with progress_bar("行政区划", options["verbosity"]) as progress:
                seed_reference_data(
                    levels=wanted,
                    progress=progress,
                    say=lambda s: self.stdout.write(s) if options["verbosity"] else None,
                )
        except DataFileError as exc:
            raise CommandError(f"参考数据有误，未写入任何数据：{exc}") from exc
        except DatabaseError as exc:
            raise CommandError(f"数据库拒绝写入，未写入任何数据（请先执行 duikou migrate）：{exc}") from exc
        self.stdout.write(self.style.SUCCESS("参考数据已就绪"))
