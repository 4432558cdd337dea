from ._import import ImportCommand


class Command(ImportCommand):
    help = "从 Excel 模板导入项目资金往来：全部校验通过才写入，否则逐行报告错误；--dry-run 只校验"
    kind = "funds"
