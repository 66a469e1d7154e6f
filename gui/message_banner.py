"""A non-modal banner above the curves for what went wrong in a run
(divergence, a failed worker). It stays until closed or the next run starts,
so a person who looked away still sees why training ended."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QStyle, QToolButton, QWidget

STYLES = {
    "error": "background: #fde2e2; border: 1px solid #e0a0a0; color: #6d0000;",
    "warning": "background: #fff4d6; border: 1px solid #e6c97a; color: #5a4300;",
    "info": "background: #e3f0fc; border: 1px solid #9cc3e8; color: #0b3a66;",
}
ICONS = {"error": QStyle.StandardPixmap.SP_MessageBoxCritical,
         "warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
         "info": QStyle.StandardPixmap.SP_MessageBoxInformation}


class MessageBanner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MessageBanner")
        self.icon = QLabel()
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Hide this message")
        close.clicked.connect(self.clear)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.icon)
        layout.addWidget(self.label, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.setMinimumSize(200, 32)
        self.hide()

    def show_message(self, text: str, kind: str = "error") -> None:
        self.setStyleSheet(f"#MessageBanner {{{STYLES[kind]}}} QLabel {{border: none; background: none;}}")
        self.icon.setPixmap(self.style().standardIcon(ICONS[kind]).pixmap(20, 20))
        self.label.setText(text)
        self.show()

    def text(self) -> str:
        return "" if self.isHidden() else self.label.text()

    def clear(self) -> None:
        self.label.clear()
        self.hide()
