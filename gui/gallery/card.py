"""One example in the gallery: thumbnail, title, claim tags, the learner's
explanation, and Open. The card itself takes keyboard focus (arrows move
between cards, Enter opens); a double-click opens it too."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent, QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from gui.common import palette as pal
from gui.common.style import subdued
from gui.gallery.claims_text import CLAIMS
from gui.gallery.items import COMPARISON, GalleryItem
from gui.gallery.thumbnails import SIZE, ThumbnailSamples, paint_thumbnail

CARD_WIDTH = SIZE.width() + 2 * 12 + 4
TEXT_WIDTH = SIZE.width()  # the thumbnail's width: the text lines up with it
STYLE = f"""
QFrame#GalleryCard {{ border: 1px solid palette(mid); border-radius: 6px; background: palette(base); }}
QFrame#GalleryCard:focus {{ border: 2px solid palette(highlight); }}
QLabel#ClaimTag {{ background: {pal.TAG[0]}; color: {pal.TAG[1]}; border-radius: 4px; padding: 1px 5px; }}
QLabel#KindTag {{ color: palette(window-text); padding: 1px 0px; }}
"""
MOVES = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, -1), Qt.Key.Key_Down: (0, 1)}


class GalleryCard(QFrame):
    opened = Signal(object)  # the GalleryItem
    moved = Signal(object, int, int)  # this card, columns, rows: an arrow key asks for a neighbour

    def __init__(self, item: GalleryItem, variant: int = 0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item = item
        self.variant = variant  # which of the generated samples the thumbnail shows
        self.setObjectName("GalleryCard")  # styled by STYLE, set once on the cards' parent (cheaper)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setFixedWidth(CARD_WIDTH)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        what = "Comparison" if item.kind == COMPARISON else "Preset"
        self.setAccessibleName(f"{what}: {item.title}")
        self.setAccessibleDescription(item.description)

        self.thumbnail = QLabel()
        self.thumbnail.setFixedSize(SIZE)
        self.thumbnail.setToolTip(f"Samples of the data set “{getattr(item.dataset, 'name', '?')}”; "
                                  f"model: {item.badge}")
        self.set_samples(None)
        self.title = QLabel(item.title)
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.title.setFont(font)
        tags = QHBoxLayout()
        tags.setSpacing(4)
        kind = QLabel(what.lower() if item.kind != COMPARISON else f"comparison of {len(item.models)}")
        kind.setObjectName("KindTag")
        subdued(kind)
        self.claim_tags = []
        for claim in item.claims:
            tag = QLabel(claim)
            tag.setObjectName("ClaimTag")
            tag.setToolTip(f"<b>{claim}</b>: {CLAIMS.get(claim, '')}")
            tags.addWidget(tag)
            self.claim_tags.append(tag)
        tags.addStretch(1)
        tags.addWidget(kind)
        self.description = QLabel(item.description)
        self.description.setTextFormat(Qt.TextFormat.PlainText)
        self.description.setWordWrap(True)
        self.description.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.open_button = QPushButton("Open")
        self.open_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes card to card; Enter opens
        self.open_button.setToolTip(f"Open “{item.title}” (Enter, or double-click the card)")
        self.open_button.clicked.connect(self.open)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.open_button)

        # Word-wrapped labels in a grid in a scroll area get no height for their
        # width (the text was cut off and the title slid under the thumbnail):
        # the card's width is fixed, so give them the height their text needs.
        for label in (self.title, self.description):
            label.setFixedWidth(TEXT_WIDTH)
            label.setMinimumHeight(label.heightForWidth(TEXT_WIDTH))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 10)
        layout.setSpacing(6)
        layout.addWidget(self.thumbnail)
        layout.addWidget(self.title)
        layout.addLayout(tags)
        layout.addWidget(self.description, 1)
        layout.addLayout(bottom)

    def set_samples(self, samples: ThumbnailSamples | None) -> None:
        self.thumbnail.setPixmap(QPixmap.fromImage(paint_thumbnail(samples, self.item.models,
                                                                   self.variant)))
        self.has_thumbnail = samples is not None

    def open(self) -> None:
        self.opened.emit(self.item)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.open()
        elif key in MOVES:
            self.moved.emit(self, *MOVES[key])
        else:
            super().keyPressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() == Qt.MouseButton.LeftButton:
            self.open()
        else:
            super().mouseDoubleClickEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        self.setFocus(Qt.FocusReason.MouseFocusReason)  # a click selects, as in a list
        super().mousePressEvent(event)
