"""A non-modal banner above the curves for what went wrong in a run
(divergence, a failed worker). It stays until closed or the next run starts,
so a person who looked away still sees why training ended. A message may
carry one action, a button that does what the text suggests ("Train on CPU"
after the GPU ran out of memory)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QStyle, QToolButton, QWidget

from gui.common import palette as pal

STYLES = {level: f"background: {bg}; border: 1px solid {border}; color: {text};"
          for level, (bg, border, text) in pal.BANNER.items()}
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
        self.action_button = QPushButton()
        self.action_button.setObjectName("BannerAction")
        self.action_button.clicked.connect(self._on_action_clicked)
        self.action_button.hide()
        self._action: Callable[[], None] | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.icon)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.action_button, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.setMinimumSize(200, 32)
        self.hide()

    def show_message(self, text: str, kind: str = "error", action_text: str | None = None,
                     action: Callable[[], None] | None = None, action_tip: str = "") -> None:
        """Show ``text``; with ``action_text`` and ``action``, a button beside it
        that hides the banner and calls ``action``. A new message replaces the
        old one, its button included."""
        # The button keeps the platform's look: only the frame and labels take the colours.
        self.setStyleSheet(f"#MessageBanner {{{STYLES[kind]}}} QLabel {{border: none; background: none;}}")
        self.icon.setPixmap(self.style().standardIcon(ICONS[kind]).pixmap(20, 20))
        self.label.setText(text)
        self._action = action if action_text else None
        self.action_button.setText(action_text or "")
        self.action_button.setToolTip(action_tip)
        self.action_button.setVisible(self._action is not None)
        self.show()

    def text(self) -> str:
        return "" if self.isHidden() else self.label.text()

    def action_text(self) -> str:
        """The action button's text, "" when the banner offers none (or is hidden)."""
        return "" if self.isHidden() or self._action is None else self.action_button.text()

    def clear(self) -> None:
        self.label.clear()
        self._action = None
        self.action_button.hide()
        self.hide()

    def _on_action_clicked(self) -> None:
        action = self._action
        self.clear()  # acted upon: the message has done its job
        if action is not None:
            action()
