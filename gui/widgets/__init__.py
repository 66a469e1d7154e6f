"""The app's own small widgets, for every room to use (superqt's habit: one
public face, import from ``gui.widgets``):

- ParamForm: a form generated from ``Param`` declarations (layer
  properties, data-set options, training settings);
- LogFloatEditor: a logarithmic slider with a number box (learning rate);
- SciSpinBox: a float spin box that writes numbers as people do (3e-05);
- MessageBanner: the non-modal banner above the curves;
- EnterApplies: Enter in a dialog's path field applies it instead of pressing OK.
"""

from gui.widgets.enter_applies import EnterApplies
from gui.widgets.log_float_editor import LogFloatEditor
from gui.widgets.message_banner import MessageBanner
from gui.widgets.param_form import ParamForm
from gui.widgets.sci_spin_box import SciSpinBox

__all__ = ["EnterApplies", "LogFloatEditor", "MessageBanner", "ParamForm", "SciSpinBox"]
