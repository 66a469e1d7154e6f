"""Help ▸ Help and Help ▸ About."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

APP_NAME = "CNN-RNN Playground"

HELP_HTML = """
<h3>Build, train, watch</h3>
<ol>
<li><b>Pick data</b> in the <i>Data set</i> panel; the preview shows what the network will see.</li>
<li><b>Build a model</b>: drag layers from <i>Layers</i> onto <i>Model</i> (or double-click them),
drag rows to reorder, <b>Delete</b> removes, <b>Ctrl+D</b> duplicates. <i>New CNN / RNN / hybrid</i>
start from a stack that fits the data set. Select a layer to edit its settings.</li>
<li>Each row shows the layer's output shape and parameter count. A layer that cannot work where it
stands is marked red; its tooltip says why and how to fix it.</li>
<li><b>Train</b> (F5). Pause or resume with <b>F6</b> or <b>Space</b>, train one batch with <b>F10</b>,
stop with <b>Shift+F5</b>, start afresh with <b>Ctrl+R</b>. The learning rate can be changed while
training.</li>
</ol>
<p>Curves: the thin line is the loss of each batch, the thick one its moving average; dots are
measured on the validation set after each epoch. The dashed line is what guessing would score.</p>
"""

ABOUT_HTML = """
<h3>CNN-RNN Playground</h3>
<p>Build small convolutional and recurrent networks from widgets, train them with PyTorch and
watch them learn — to see for yourself how CNNs and RNNs differ.</p>
<p>Built with PySide6, pyqtgraph, superqt and PyTorch.</p>
"""


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
