"""The claims gallery: every built-in preset and comparison as a card, with a
filter by claim and a search box; Help ▸ Examples and the start page.

The cards come from presets/ each time the gallery opens (gui/gallery/items.py),
so new examples appear without code changes. Opening goes through the
``open_file`` it is given (the window's file commands: a preset replaces the
document after the unsaved-changes question, a comparison opens in its own
window); when it shows, and Help ▸ Examples, are the window's side
(gui/shell/start_pages.py).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from gui.common.settings import app_settings
from gui.common.style import subdued
from gui.gallery.card import CARD_WIDTH, GalleryCard
from gui.gallery.card import STYLE as CARD_STYLE
from gui.gallery.claims_text import CLAIMS
from gui.gallery.items import GalleryItem, gallery_items
from gui.gallery.loader import ThumbnailLoader
from gui.gallery.thumbnails import dataset_key

SHOW_AT_START_KEY = "gallery/show_at_start"  # the user's choice (the checkbox)
SEEN_KEY = "gallery/seen"  # the first start has shown it once
SPACING = 12
INTRO = ("Each example demonstrates a claim people make about CNNs and RNNs. Open one, press "
         "<b>Train</b> (F5) and watch; hover a claim tag to read the claim.")


class Gallery(QWidget):
    opened = Signal(object)  # the GalleryItem to open

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.items = gallery_items()
        self.loader = ThumbnailLoader(self)
        self.loader.loaded.connect(self._on_samples_loaded)
        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        self.claim_filter = QComboBox()
        self.claim_filter.addItem("All claims", None)
        for claim, text in CLAIMS.items():
            short = text if len(text) <= 60 else text[:57].rsplit(" ", 1)[0] + " …"
            self.claim_filter.addItem(f"{claim} — {short}", claim)
            self.claim_filter.setItemData(self.claim_filter.count() - 1, f"{claim}: {text}",
                                          Qt.ItemDataRole.ToolTipRole)
        self.claim_filter.setToolTip("Show only the examples for one claim")
        self.claim_filter.setWhatsThis("<b>Claim</b><p>Each example demonstrates a claim people make about "
                                       "CNNs and RNNs, such as 'convolutions share weights'. Pick one to see "
                                       "only the examples that test it.</p>")
        self.claim_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.claim_filter.setMinimumContentsLength(30)
        self.search = QLineEdit()
        self.search.setToolTip("Search the examples' titles and explanations; Enter opens the only match")
        self.search.setPlaceholderText("Search titles and explanations (e.g. LSTM, digits, shift)")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(220)  # the claim filter's long entries must not squeeze it
        self.count_label = QLabel()
        subdued(self.count_label)
        filters = QHBoxLayout()
        filters.addWidget(QLabel("&Claim:", buddy=self.claim_filter))
        filters.addWidget(self.claim_filter)
        filters.addWidget(QLabel("&Search:", buddy=self.search))
        filters.addWidget(self.search, 1)
        filters.addWidget(self.count_label)

        # Neighbours on the same data show different samples of it.
        self.cards = [GalleryCard(item, variant=i) for i, item in enumerate(self.items)]
        self.grid_host = QWidget()
        self.grid_host.setStyleSheet(CARD_STYLE)
        self.grid = QGridLayout(self.grid_host)
        self.grid.setSpacing(SPACING)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.empty_label = QLabel("No example matches. Choose “All claims” or clear the search.")
        subdued(self.empty_label)
        for card in self.cards:
            card.opened.connect(self.opened)
            card.moved.connect(self._on_card_moved)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.grid_host)
        self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # focus goes to the cards inside
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(filters)
        layout.addWidget(self.scroll, 1)
        self._columns = 0
        self.claim_filter.currentIndexChanged.connect(self.apply_filter)
        self.search.textChanged.connect(self.apply_filter)
        self.search.installEventFilter(self)  # Down from the search box goes to the first card
        self.scroll.viewport().installEventFilter(self)
        self.setMinimumSize(2 * CARD_WIDTH + 3 * SPACING + 40, 420)
        self.apply_filter()

    # --- public ---------------------------------------------------------------
    def visible_cards(self) -> list[GalleryCard]:
        return [card for card in self.cards if not card.isHidden()]

    def card_for(self, key: str) -> GalleryCard | None:
        return next((card for card in self.cards if card.item.key == key), None)

    def set_claim(self, claim: str | None) -> None:
        self.claim_filter.setCurrentIndex(max(0, self.claim_filter.findData(claim)))

    def apply_filter(self) -> None:
        claim, words = self.claim_filter.currentData(), self.search.text()
        for card in self.cards:
            card.setHidden(not card.item.matches(claim, words))
        shown = len(self.visible_cards())
        self.count_label.setText(f"{shown} of {len(self.cards)}")
        self._relayout(force=True)

    def load_thumbnails(self) -> None:
        """Draw what is cached at once; generate the rest on a worker."""
        missing = []
        for card in self.cards:
            samples = self.loader.samples(card.item)
            if samples is None:
                missing.append(card.item)
            elif not card.has_thumbnail:
                card.set_samples(samples)
        self.loader.request(missing)

    def shutdown(self) -> None:
        self.loader.shutdown()

    # --- layout and keys --------------------------------------------------------
    def _relayout(self, force: bool = False) -> None:
        width = self.scroll.viewport().width() - 2 * SPACING
        columns = max(1, (width + SPACING) // (CARD_WIDTH + SPACING))
        if columns == self._columns and not force:
            return
        self._columns = columns
        while self.grid.count():
            self.grid.takeAt(0)
        visible = self.visible_cards()
        for i, card in enumerate(visible):
            self.grid.addWidget(card, i // columns, i % columns, Qt.AlignmentFlag.AlignTop)
        self.empty_label.setParent(self.grid_host if not visible else None)
        if not visible:
            self.grid.addWidget(self.empty_label, 0, 0)
            self.empty_label.show()

    def _on_card_moved(self, card: GalleryCard, dx: int, dy: int) -> None:
        visible = self.visible_cards()
        if card not in visible:
            return
        index = visible.index(card) + dx + dy * max(self._columns, 1)
        if 0 <= index < len(visible):
            self._focus_card(visible[index])
        elif dy < 0:
            self.search.setFocus(Qt.FocusReason.OtherFocusReason)  # Up from the first row: back to search

    def _focus_card(self, card: GalleryCard) -> None:
        card.setFocus(Qt.FocusReason.TabFocusReason)
        self.scroll.ensureWidgetVisible(card, SPACING, SPACING)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.scroll.viewport() and event.type() == QEvent.Type.Resize:
            self._relayout()  # as many columns as fit the visible width
        elif watched is self.search and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            visible = self.visible_cards()
            if key == Qt.Key.Key_Down and visible:
                self._focus_card(visible[0])
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and len(visible) == 1:
                visible[0].open()  # the search found exactly one: Enter opens it
                return True
        return super().eventFilter(watched, event)

    def _on_samples_loaded(self, key: tuple) -> None:
        for card in self.cards:
            if dataset_key(card.item.dataset, card.item.seed) == key:
                card.set_samples(self.loader.samples(card.item))


class GalleryDialog(QDialog):
    """The gallery in its own non-modal window: the start page over the
    default experiment, and Help ▸ Examples."""

    def __init__(self, window: QWidget, open_file: Callable[[str], object],
                 open_lessons: Callable[[], object] | None = None) -> None:
        """``window``: the main window (its closing stops the thumbnail worker);
        ``open_file(path)`` opens an example, falsy when the user cancelled or it failed;
        ``open_lessons()`` the guided course (Help ▸ Lessons)."""
        super().__init__(window)
        self.window_ = window
        self.open_file = open_file
        self.setWindowTitle("Examples — CNN-RNN Playground")
        self.setObjectName("GalleryDialog")
        self.gallery = Gallery()
        self.gallery.opened.connect(self._on_opened)
        self.show_at_start = QCheckBox("Show the gallery at start")
        self.show_at_start.setToolTip("Open this gallery every time the app starts (Help ▸ Examples opens it "
                                      "any time)")
        self.show_at_start.setChecked(app_settings().value(SHOW_AT_START_KEY, False, type=bool))
        self.show_at_start.toggled.connect(lambda on: app_settings().setValue(SHOW_AT_START_KEY, on))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        bottom = QHBoxLayout()
        self.lessons_button = QPushButton("Take the &Course…")
        self.lessons_button.setToolTip("Lessons that lead you through the claims, one at a time: predict, run, "
                                       "see (Help ▸ Lessons, Ctrl+Shift+G)")
        self.lessons_button.setVisible(open_lessons is not None)
        self.lessons_button.clicked.connect(lambda: (self.close(), open_lessons and open_lessons()))
        bottom.addWidget(self.lessons_button)
        bottom.addWidget(self.show_at_start)
        bottom.addStretch(1)
        bottom.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.gallery, 1)
        layout.addLayout(bottom)
        self.resize(3 * CARD_WIDTH + 4 * SPACING + 70, 760)
        window.installEventFilter(self)  # the window closing stops the thumbnail worker

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.gallery.load_thumbnails()
        self.gallery.search.setFocus(Qt.FocusReason.OtherFocusReason)

    def done(self, result: int) -> None:
        self.gallery.shutdown()
        super().done(result)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.gallery.shutdown()
        super().closeEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.window_ and event.type() == QEvent.Type.Close:
            self.gallery.shutdown()
        return False

    def _on_opened(self, item: GalleryItem) -> None:
        if self.open_file(str(item.path)):
            self.close()


def shows_at_start() -> bool:
    """The first start shows the gallery; later ones when the user asked for it."""
    settings = app_settings()
    return not settings.value(SEEN_KEY, False, type=bool) or settings.value(SHOW_AT_START_KEY, False, type=bool)
