from django.core.management.base import BaseCommand
from django.utils import timezone

from duikou.core.audit_entries import purge_audit


class Command(BaseCommand):
    help = (
        "删除保存期（DUIKOU_AUDIT_RETENTION_DAYS，至少六个月）以前的审计记录；默认只试运行并报告条数，"
        "加 --yes 才删除，删除本身记入审计记录"
    )

    def add_arguments(self, parser):
        parser.add_argument("--yes", action="store_true", help="真正删除（不加则只报告将删除的条数）")

    def handle(self, *args, yes: bool, **options):
        purge = purge_audit(dry_run=not yes)
        before = f"{timezone.localtime(purge.before):%Y-%m-%d %H:%M:%S}"
        kept = f"保存期 {purge.retention_days} 天"
        if purge.done:
            self.stdout.write(self.style.SUCCESS(f"已删除 {before} 之前的审计记录 {purge.count} 条（{kept}）"))
        else:
            self.stdout.write(
                f"试运行：{before} 之前的审计记录有 {purge.count} 条（{kept}），未删除；加 --yes 执行删除"
            )
