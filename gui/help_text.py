"""Help ▸ Help and Help ▸ About."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

APP_NAME = "CNN-RNN Playground"

HELP_HTML = """
<p><b>New here?</b> <i>Help ▸ Examples</i> (<b>Ctrl+Shift+E</b>) opens the gallery of built-in examples:
each one demonstrates a claim about CNNs and RNNs. Filter it by claim or search it, and open one.
<i>Help ▸ Guided Tour</i> walks through the window in seven steps, and <b>Shift+F1</b> (<i>Help ▸ What's
This?</i>) then a click on any control explains it.</p>
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
<p><b>Ctrl+Z</b> undoes any edit of the model, data set or training settings (<b>Ctrl+Shift+Z</b> or
<b>Ctrl+Y</b> redoes it); <i>File ▸ Revert</i> goes back to the saved file, <i>File ▸ Open Recent</i>
reopens one of the last ten, and a file dropped on the window opens. Unsaved changes are autosaved:
after a crash the next start offers to recover them.</p>
<p>Curves: the thin line is the loss of each batch, the thick one its moving average; dots are
measured on the validation set after each epoch. The dashed line is what guessing would score.</p>
<h3>Look inside</h3>
<p>The tabs under the curves show the network's inside while it learns (<b>Ctrl+1</b> … <b>Ctrl+9</b>,
or <i>View ▸ Live views</i>): <i>Filters</i> and <i>Feature maps</i> (hover a map to outline what it sees
on the input, click to enlarge) for convolutions; <i>Draw</i> a digit or shape and watch the prediction;
<i>Trajectories</i>, <i>Hidden states</i>, <i>Gates</i> and <i>Gradient through time</i> for recurrent
layers; <i>Text probe</i> to type a prefix into a character model; <i>Predictions</i>, <i>Confusion
matrix</i> (click a cell for its samples) and <i>Histograms</i> of weights and gradients for any model.
Drag a tab out to see several views at once.</p>
<p>Each view can be <b>frozen</b>, and exports its picture (PNG, SVG) and its numbers (CSV, NumPy).
The <b>timeline</b> at the bottom goes back through the run: every view, and the drawing's prediction,
shows the network as it was at that step; <i>Live</i> follows training again.</p>
<h3>Compare</h3>
<p>Every run of the session is kept in the <i>Runs</i> tab: tick a run to draw its curves (dashed)
beside the live ones; <b>F2</b> renames it, <b>Del</b> deletes it, the right-click menu exports its
metrics or shows its experiment. <i>File ▸ Built-in Comparisons</i> opens two or more experiments on
the same data in a window of their own: run them in turn or in parallel, watch their curves together,
and read the table and the verdict at the end.</p>
<p>After a run the window keeps the trained weights (saved beside the experiment as
<i>name.weights.npz</i>). <i>Train ▸ Test the Trained Model</i> shifts, scrambles or resizes the
validation data and reports the accuracy before and after — does the model find the pattern anywhere?
does the order matter? can it take another size?</p>
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
