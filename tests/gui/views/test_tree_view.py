"""The Tree view (claim C17): a real TreeRNN run's probe drawn as its tree,
one outlined cell and one state strip per node, the states those of the
nodes' tokens; another probe lays out another tree; only for tree models."""

from __future__ import annotations

import numpy as np
import pytest

from engine import tree_structure as ts
from tests.gui.views.test_view_rnn import collect


@pytest.fixture(scope="module")
def tree_run():
    return collect("expressions_tree", snapshots=2)


def open_tree(qtbot, run):
    from gui.views.tree_view import TreeView

    view = TreeView()
    qtbot.addWidget(view)
    view.resize(800, 500)
    view.show()
    view.set_experiment(run.experiment)
    view.set_run(run.started)
    view.show_snapshot(run.snapshots[-1])
    return view


def test_the_probe_is_drawn_as_its_tree_with_each_nodes_state(qtbot, tree_run):
    view = open_tree(qtbot, tree_run)
    tree = ts.parse(tree_run.started.probe_inputs[0])
    assert len(view.tree.nodes) == len(tree.nodes) == len(view._strips) == len(view._cells)
    hidden = tree_run.snapshots[-1].hidden_states[view.layer_index][0]
    positions = [n.position for n in tree.nodes]
    assert np.array_equal(view.states, hidden[positions])
    assert np.array_equal(view._strips[0].image[0], view.states[0])
    # Every cell outlined in the one colour of shared weights.
    colours = {cell.pen().color().name() for cell in view._cells}
    assert len(colours) == 1
    assert f"all {len(tree.nodes)} nodes" in view.caption.text() and "Predicted" in view.caption.text()
    # The operators' labels carry the subtree's value mod k, the data set's label at the root.
    root = view._labels[tree.root].toPlainText()
    assert root.endswith(str(ts.values(tree, view.modulus)[tree.root]))


def test_layout_puts_parents_over_their_children_and_the_root_on_top(qtbot, tree_run):
    from gui.views.tree_view import layout

    tree = ts.parse(ts.encode("((3+4)*(2-1))"))
    xy = layout(tree)
    for i, node in enumerate(tree.nodes):
        if node.children:
            assert xy[i, 0] == pytest.approx(xy[list(node.children), 0].mean())
            assert all(xy[c, 1] < xy[i, 1] for c in node.children)
    assert xy[tree.root, 1] == 0


def test_another_probe_lays_out_another_tree(qtbot, tree_run):
    view = open_tree(qtbot, tree_run)
    view.probe_picker.setCurrentIndex(3)
    view.probe_picker.activated.emit(3)
    assert view.probe == 3
    assert len(view._strips) == len(ts.parse(tree_run.started.probe_inputs[3]).nodes)
    assert view.states is not None and len(view.states) == len(view._strips)
    assert set(view.export_data()) >= {"node_states", "node_position"}


def test_the_view_applies_only_to_tree_models(qtbot, tree_run):
    from engine.presets import load_preset
    from gui.views.tree_view import TreeView
    from gui.views.view_fit import view_needs

    view = TreeView()
    qtbot.addWidget(view)
    view.set_experiment(load_preset("motif_gru"))
    assert not view.applies_to(None) and "TreeRNN" in view.not_applicable_text()
    assert view_needs(tree_run.experiment, tree_run.started.info)["tree"] is None
    assert view_needs(load_preset("digits_cnn"), None)["tree"] is not None


def test_the_tree_describes_its_expression_value_and_answer(qtbot, tree_run):
    view = open_tree(qtbot, tree_run)
    tree = ts.parse(tree_run.started.probe_inputs[0])
    value = ts.values(tree, view.modulus)[tree.root]
    text = view.describe()
    assert view.accessibleDescription() == text
    assert text.startswith(f"Tree: Probe #0, {ts.render(tree)} = {value} (mod {view.modulus}): one shared cell at "
                           f"all {len(tree.nodes)} nodes"), text
    assert "node states of" in text and "values from" in text
    assert text.endswith(("(right).", "(wrong).")) and "Predicted" in text
