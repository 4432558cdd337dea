from django.core.management.base import BaseCommand
from tqdm import tqdm

from duikou.indicators.analytics import refresh, store_path


class Command(BaseCommand):
    help = "重建指标分析库（DuckDB）；平时导入和审核后会自动增量更新"

    def handle(self, *args, **options):
        bar = tqdm(total=0, unit="条", desc="分析库", disable=options["verbosity"] == 0)

        def progress(done, total):
            bar.total = total
            bar.update(done - bar.n)

        count = refresh(full=True, progress=progress)
        bar.close()
        self.stdout.write(self.style.SUCCESS(f"分析库已重建：{count} 条（{store_path()}）"))
