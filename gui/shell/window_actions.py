"""Every command of the main window as a QAction, with its standard shortcut,
icon and status tip, and the menus that hold them. Kept apart from the window
so the window module is about wiring, not about declaring forty actions."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QStyle, QWhatsThis

from gui.common import palette as pal

SP = QStyle.StandardPixmap
Std = QKeySequence.StandardKey


class PlatformKeys(list):
    """Keys from the platform's list for a standard action: they give way
    where another action holds one of them (see WindowActions._resolve_clashes)."""


def _keys(standard: Std, fallback: str) -> PlatformKeys:
    """The platform's keys for ``standard``, or ``fallback`` where it has none."""
    keys = QKeySequence.keyBindings(standard)
    return PlatformKeys(keys or [QKeySequence(fallback)])


class WindowActions(QObject):
    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        style = window.style()

        def make(text: str, tip: str, keys: list[QKeySequence] | str | None = None,
                 icon: SP | None = None) -> QAction:
            action = QAction(text, window)
            action.setStatusTip(tip)
            action.setToolTip(tip)
            if isinstance(keys, str):
                keys = [QKeySequence(keys)]
            if keys:
                action.setShortcuts(keys)
                action.setToolTip(f"{tip} ({keys[0].toString(QKeySequence.SequenceFormat.NativeText)})")
            if icon is not None:
                action.setIcon(style.standardIcon(icon))
            window.addAction(action)  # shortcuts work even when menus are hidden
            if isinstance(keys, PlatformKeys):
                platform_keyed.append(action)
            return action

        platform_keyed: list[QAction] = []

        # File
        self.new = make("From the &Default Preset", "Start a new experiment from the default preset (Digits CNN)",
                        _keys(Std.New, "Ctrl+N"), SP.SP_FileIcon)
        self.new_empty = make("&Empty Model", "A new, untitled experiment on the current data set with no layers yet")
        self.new_cnn_experiment = make("A &CNN for This Data Set",
                                       "A new, untitled experiment: a convolutional network for the current data set")
        self.new_rnn_experiment = make("An &RNN for This Data Set",
                                       "A new, untitled experiment: a recurrent network (GRU) for the current data set")
        self.new_menu = QMenu("&New", window)
        self.new_menu.setToolTipsVisible(True)
        self.new_menu.addActions([self.new_empty, self.new_cnn_experiment, self.new_rnn_experiment])
        self.new_menu.addSeparator()
        self.new_menu.addAction(self.new)
        self.rename = make("&Name and Description…", "Rename the experiment and edit its description (undoable)")
        self.open = make("&Open…", "Open an experiment file", _keys(Std.Open, "Ctrl+O"),
                         SP.SP_DialogOpenButton)
        self.save = make("&Save", "Save the experiment", _keys(Std.Save, "Ctrl+S"), SP.SP_DialogSaveButton)
        self.save_as = make("Save &As…", "Save the experiment under a new name",
                            _keys(Std.SaveAs, "Ctrl+Shift+S"))
        self.revert = make("Re&vert", "Discard the unsaved changes and reload the file from disk")
        self.recent_menu = QMenu("Open &Recent", window)  # filled from the settings when shown
        self.recent_menu.setEnabled(False)  # until the document is open
        self.quit = make("&Quit", "Close the window", _keys(Std.Quit, "Ctrl+Q"))
        # Edit (Undo and Redo are bound to the document's undo stack: gui/document/undo.py)
        self.undo = make("&Undo", "Nothing to undo", _keys(Std.Undo, "Ctrl+Z"))
        # Both common redo keys, whichever the platform lists first.
        redo_keys = _keys(Std.Redo, "Ctrl+Shift+Z")
        redo_keys += [k for k in (QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")) if k not in redo_keys]
        self.redo = make("&Redo", "Nothing to redo", redo_keys)
        self.undo.setEnabled(False)
        self.redo.setEnabled(False)
        self.delete_layer = make("&Delete layer", "Remove the selected layer from the model",
                                 _keys(Std.Delete, "Del"), SP.SP_TrashIcon)
        self.duplicate_layer = make("D&uplicate layer", "Insert a copy of the selected layer below it",
                                    "Ctrl+D")
        self.new_cnn = make("New &CNN", "Replace the model with a convolutional network for this data set")
        self.new_rnn = make("New &RNN", "Replace the model with a recurrent network (GRU) for this data set")
        self.new_hybrid = make("New &hybrid", "Replace the model with convolutions followed by a GRU")
        self.copy_view_text = make("&Copy View as Text", "Copy what the view with focus (or the live view in "
                                   "front) shows, in words, to the clipboard", "Ctrl+Shift+C")
        for action, short in ((self.new_cnn, "CNN"), (self.new_rnn, "RNN"), (self.new_hybrid, "Hybrid"),
                              (self.duplicate_layer, "Duplicate"), (self.delete_layer, "Delete")):
            action.setIconText(short)  # what the model stack's toolbar shows
        # View
        self.log_scale = make("&Log-scale loss", "Show the loss on a logarithmic axis", "Ctrl+L")
        self.log_scale.setCheckable(True)
        self.reset_layout = make("Reset &layout", "Put every panel back where it started")
        self.colour_blind_safe = make("&Colour-blind-safe colours",
                                      "Okabe–Ito colours for curves, classes and runs, which stay distinct with "
                                      "the common colour blindnesses; a change applies at the next start")
        self.colour_blind_safe.setCheckable(True)
        self.colour_blind_safe.setChecked(pal.colour_blind_safe_setting())
        # Train
        self.train = make("&Train", "Train the model from scratch", "F5", SP.SP_MediaPlay)
        self.pause = make("&Pause", "Pause or resume the running training", [QKeySequence("F6"),
                                                                              QKeySequence("Space")],
                          SP.SP_MediaPause)
        self.step = make("&Step", "Train on one batch, then pause", "F10", SP.SP_MediaSkipForward)
        self.stop = make("St&op", "Stop the training (the curves stay)", "Shift+F5", SP.SP_MediaStop)
        self.reset = make("&Reset", "Stop, clear the curves and start again from fresh weights", "Ctrl+R",
                          SP.SP_BrowserReload)
        # Help
        self.help = make("&Help", "How to use the playground", _keys(Std.HelpContents, "F1"),
                         SP.SP_DialogHelpButton)
        self.examples = make("&Examples…", "The gallery of built-in examples, one or more per claim about "
                             "CNNs and RNNs", "Ctrl+Shift+E")
        self.tour = make("Guided &Tour", "A short tour of the window: where to build, train and watch")
        # Qt's own What's This mode: the next click shows the clicked control's explanation.
        self.whats_this = QWhatsThis.createAction(window)
        self.whats_this.setShortcut(QKeySequence("Shift+F1"))
        self.whats_this.setStatusTip("Click any control to read what it is and why it matters (Shift+F1)")
        self.whats_this.setToolTip("What's This? Click any control to read about it (Shift+F1)")
        window.addAction(self.whats_this)
        self.about = make("&About", "About CNN-RNN Playground")
        self._resolve_clashes(platform_keyed)

    def _resolve_clashes(self, platform_keyed: list[QAction]) -> None:
        """One key sequence on two actions fires neither ("QAction::event:
        Ambiguous shortcut overload"): X11 desktops list Ctrl+D among Delete's
        keys, and Duplicate layer has it. Keys given here win; a platform
        list's extras give way (Delete keeps Del)."""
        held: set[str] = set()
        for action in self.window.actions():
            if action not in platform_keyed:
                held.update(k.toString() for k in action.shortcuts())
        for action in platform_keyed:
            keys = [k for k in action.shortcuts() if k.toString() not in held]
            if keys != action.shortcuts():
                action.setShortcuts(keys)
            held.update(k.toString() for k in keys)

    def before_quit(self) -> QAction | None:
        """The separator above File ▸ Quit: what rooms add to the File menu goes above it."""
        actions = self.file_menu.actions()
        return actions[actions.index(self.quit) - 1] if self.quit in actions[1:] else None

    def after_revert(self) -> QAction | None:
        """The separator below File ▸ Revert: settings of saving go above it."""
        actions = self.file_menu.actions()
        return actions[actions.index(self.revert) + 1] if self.revert in actions[:-1] else None

    def training_actions(self) -> list[QAction]:
        return [self.train, self.pause, self.step, self.stop, self.reset]

    def install_menus(self, view_actions: list[QAction], live_view_actions: list[QAction] = ()) -> None:
        bar = self.window.menuBar()
        self.file_menu = file_menu = bar.addMenu("&File")
        file_menu.addMenu(self.new_menu)
        file_menu.addAction(self.open)
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        file_menu.addActions([self.save, self.save_as, self.revert])
        file_menu.addSeparator()
        file_menu.addAction(self.quit)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addActions([self.undo, self.redo])
        edit_menu.addSeparator()
        edit_menu.addAction(self.rename)
        edit_menu.addSeparator()
        edit_menu.addAction(self.copy_view_text)
        edit_menu.addSeparator()
        edit_menu.addActions([self.duplicate_layer, self.delete_layer])
        edit_menu.addSeparator()
        edit_menu.addActions([self.new_cnn, self.new_rnn, self.new_hybrid])
        view_menu = bar.addMenu("&View")
        view_menu.addActions(view_actions)
        view_menu.addSeparator()
        if live_view_actions:
            live_menu = view_menu.addMenu("&Live views")
            live_menu.addActions(list(live_view_actions))
            view_menu.addSeparator()
        view_menu.addActions([self.log_scale, self.colour_blind_safe, self.reset_layout])
        self.train_menu = train_menu = bar.addMenu("&Train")
        train_menu.addActions(self.training_actions())
        self.help_menu = help_menu = bar.addMenu("&Help")
        help_menu.addActions([self.help, self.examples, self.tour, self.whats_this])
        help_menu.addSeparator()
        help_menu.addAction(self.about)
