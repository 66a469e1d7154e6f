"""Entry point: the app by default (--lab COMP.json: with that comparison in
the lab); --headless, --summary, --list-presets for scripts."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from engine.cli import main as cli_main
    from engine.cli import wants_cli
    from gui.data.image_reader import register_image_reader

    register_image_reader()  # image folders decode with Qt's readers, in the window and --headless alike

    if wants_cli(argv):
        return cli_main(argv)
    if argv[:1] == ["--lab"] and len(argv) == 2:  # the lab window over the main window
        from engine.preset_paths import builtin_or_given
        from gui.app import run_app

        return run_app(None, lab=builtin_or_given(argv[1]))
    if len(argv) > 1 or (argv and argv[0].startswith("-")):
        return cli_main(argv)  # lets argparse explain the mistake
    from engine.preset_paths import builtin_or_given
    from gui.app import run_app

    return run_app(builtin_or_given(argv[0]) if argv else None)


if __name__ == "__main__":
    sys.exit(main())
