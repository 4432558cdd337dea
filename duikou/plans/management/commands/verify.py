from django.core.management.base import BaseCommand, CommandError

from duikou.core.progress import progress_bar
from duikou.plans.services import verify_filings


class Command(BaseCommand):
    help = "核验所有已备案方案的内容是否与备案时的 SM3 摘要及备案链一致"

    def handle(self, *args, **options):
        with progress_bar("核验备案", options["verbosity"], unit="份") as progress:
            problems = verify_filings(progress=progress)
        if problems:
            for line in problems:
                self.stderr.write(line)
            raise CommandError(f"发现 {len(problems)} 处不一致")
        self.stdout.write(self.style.SUCCESS("所有备案方案内容与摘要一致"))
