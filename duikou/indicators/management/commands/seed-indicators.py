from django.core.management.base import BaseCommand, CommandError

from duikou.core.errors import DataFileError
from duikou.indicators.services import load_starter_library


class Command(BaseCommand):
    help = "载入指标库（data/indicators/starter.json：指标、数据集、校验规则）；可重复执行，出错时不写入任何数据"

    def handle(self, *args, **options):
        try:
            result = load_starter_library()
        except DataFileError as exc:
            raise CommandError(f"指标库文件有误，未写入任何数据：{exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"指标库已就绪：{result}"))
