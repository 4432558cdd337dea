from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from duikou.core.backup import BackupError, generate_key_file, key_fingerprint, read_key_file, short


class Command(BaseCommand):
    help = "生成备份密钥文件（备份归档用它加密），或显示已有密钥文件的指纹"

    def add_arguments(self, parser):
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument("--output", "-o", type=Path, help="新密钥文件的路径（只有属主可读；不覆盖已有文件）")
        what.add_argument("--fingerprint", type=Path, metavar="PATH", help="显示该密钥文件的指纹，用来核对托管的副本")

    def handle(self, *args, output, fingerprint, **options):
        try:
            if fingerprint:
                self.stdout.write(f"{fingerprint}：备份密钥指纹 {key_fingerprint(read_key_file(fingerprint))}")
                return
            made = generate_key_file(output)
        except BackupError as exc:
            raise CommandError(exc) from exc
        self.stdout.write(self.style.SUCCESS(f"备份密钥已写入 {output}（指纹 {short(made)}）"))
        self.stdout.write(
            f"  把 DUIKOU_BACKUP_KEY_FILE 设为 {output}。另把密钥的副本托管保存（注明指纹 {made}），"
            "与备份归档分开，也与个人信息密钥 DUIKOU_PII_KEY 分开：没有它，任何备份都无法恢复。"
        )
