"""The ``bangban`` command: each area registers its own sub-commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

Registrar = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


def _registrars() -> list[Registrar]:
    from app import commands
    from app.chat.cli import register as chat_commands
    from app.console.cli import register as dashboard_commands
    from app.data_keys import register as data_commands
    from app.ledgers.cli import register as ledger_commands
    from app.ledgers.report_cli import register as report_commands
    from app.notifications.cli import register as notification_commands
    from app.publicity.cli import register as board_commands
    from app.roster_cli import register as roster_commands
    from app.staff.cli import register as staff_commands

    # -- command groups --
    from app.wechat.cli import register as wechat_commands
    from app.worker import register as worker_commands

    return [commands.register, wechat_commands, chat_commands, notification_commands, worker_commands,
            ledger_commands, report_commands, roster_commands, board_commands, staff_commands,
            data_commands, dashboard_commands]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bangban", description="帮办代办后端命令")
    sub = parser.add_subparsers(dest="command", required=True)
    for register in _registrars():
        register(sub)
    args = parser.parse_args(argv)
    from app.commands import run_handler

    return run_handler(args)


if __name__ == "__main__":
    sys.exit(main())
