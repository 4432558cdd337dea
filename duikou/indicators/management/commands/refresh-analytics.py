from django.core.management.base import BaseCommand

from duikou.core.progress import progress_bar
from duikou.indicators.analytics import refresh, store_path


class Command(BaseCommand):
    help = "重建指标分析库（DuckDB）；平时导入和审核后会自动增量更新"

    def handle(self, *args, **options):
        with progress_bar("分析库", options["verbosity"], unit="条") as progress:
            count = refresh(full=True, progress=progress)
        self.stdout.write(self.style.SUCCESS(f"分析库已重建：{count} 条（{store_path()}）"))
