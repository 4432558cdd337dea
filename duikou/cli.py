"""The `duikou` console command: every operator job is a subcommand (serve, seed, backup, restore...).

It is Django's command line with duikou's settings, so `duikou seed` runs the `seed` management command.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duikou.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    argv[0] = "duikou"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
