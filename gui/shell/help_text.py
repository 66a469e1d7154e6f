"""Help ▸ Help and Help ▸ About (their texts: gui/resources/help.html, about.html)."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from gui.common.resources import resource_text

APP_NAME = "CNN-RNN Playground"

HELP_HTML = resource_text("help.html")
ABOUT_HTML = resource_text("about.html")


def show_help(parent: QWidget) -> None:
    """Non-modal, so the window stays usable while reading it."""
    box = QMessageBox(QMessageBox.Icon.Information, f"{APP_NAME} — help", HELP_HTML,
                      QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.show()


def show_about(parent: QWidget) -> None:
    QMessageBox.about(parent, f"About {APP_NAME}", ABOUT_HTML)
