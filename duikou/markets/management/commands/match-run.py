from django.core.management.base import BaseCommand, CommandError

from duikou.markets.labour import runs
from duikou.markets.models import MatchRun


class Command(BaseCommand):
    help = "劳务协作匹配计算：为每个求职中的求职者和每个有空缺的有效岗位计算并保存前 k 个匹配（匹配页面读取保存的结果）"

    def handle(self, *args, **options):
        def progress(done, total=None, message=""):
            if total and (done == total or done % 20_000 == 0):
                self.stderr.write(f"{message or '计算中'} {done:,} / {total:,}")

        try:
            run = runs.run_labour_matching(trigger=MatchRun.Trigger.MANUAL, progress=progress)
        except runs.MatchRunBusy as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(runs.summary(run)))
