"""Where the app keeps its per-user settings (window geometry, dock layout).

Always an INI file: tests redirect it with ``QSettings.setPath(IniFormat, ...)``
so they never touch a person's real configuration.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings

ORGANIZATION = "CNN-RNN Playground"
APPLICATION = "CNN-RNN Playground"


def app_settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)
