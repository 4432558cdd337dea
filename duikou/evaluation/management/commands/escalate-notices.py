import datetime

from django.core.management.base import BaseCommand, CommandError

from duikou.evaluation.supervision import services as supervision


class Command(BaseCommand):
    help = (
        "整改通知逾期升级：本环节时限已过、仍为省级督办的未销号整改通知升级为国家督办（可重复执行，适合每日定时运行）"
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按此日期判断是否逾期（YYYY-MM-DD，默认今天）")

    def handle(self, *args, date: str | None = None, **options):
        today = None
        if date:
            try:
                today = datetime.date.fromisoformat(date)
            except ValueError as exc:
                raise CommandError(f"日期「{date}」格式不对，应为 YYYY-MM-DD") from exc
        escalated = supervision.escalate_overdue(today=today)
        for notice in escalated:
            self.stdout.write(f"{notice.number}（{notice.pairing}，{notice.get_status_display()}）升级为国家督办")
        self.stdout.write(self.style.SUCCESS(f"逾期升级 {len(escalated)} 件"))
