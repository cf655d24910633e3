"""The `meinekammer` command: Django's manage.py for the installed package.

`meinekammer demo` runs on the development settings (SQLite under var/, development
mailbox); every other command uses the production settings unless DJANGO_SETTINGS_MODULE says
otherwise.
"""

import os
import sys


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "demo":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meinekammer.settings.dev")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meinekammer.settings.prod")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
