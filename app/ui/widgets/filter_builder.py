"""The shared filter builder: rows of [property ▾] [operator ▾] [value], ANDed, with OR groups.

It edits exactly the `where` list of the query JSON (docs/query.md) and nothing else, so
`set_filters(builder.filters())` round-trips. The property's type (from discovery) picks
the operators and the value editor: a completer of common values for strings, number
fields, date pickers. Other panels add row kinds (behavioural "did X" rows in the user
explorer) with `register_row_type`, and restrict fields with `traits`/`event_properties`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from PySide6.QtCore import QDate, QSize, QStringListModel, Qt, Signal
from PySide6.QtGui import QDoubleValidator, QPaintEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QComboBox,
    QCompleter,
    QDateEdit,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QStyle,
    QStyleOptionComboBox,
    QStylePainter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.query.panel_state import (
    CASE_OPS,
    DATE_OPS,
    NO_VALUE_OPS,
    NUMBER_ONLY_OPS,
    OPERATORS_BY_TYPE,
    ConditionState,
    guess_type,
    operator_choices,
    operator_label,
    value_editor,
)
from app.ui.discovery import DiscoveryCache, PropertyInfo
from app.ui.icons import field_icon
from app.ui.plain import plain_combo, plain_edit, plain_items
from app.ui.widgets.bind import show_in_spin
from app.ui.widgets.combo import line_edit_of
from app.ui.widgets.wrap_row import WrapRow

#: The vocabularies are the query model's (app.query.panel_state holds their labels); these
#: names stay for the modules that imported them from here.
OPERATORS: dict[str, list[tuple[str, str]]] = {kind: operator_choices(kind) for kind in OPERATORS_BY_TYPE}


__all__ = ["DATE_OPS", "NO_VALUE_OPS", "NUMBER_ONLY_OPS", "OPERATORS", "FilterBuilder", "FilterRowBase",
           "OrGroup", "PropertyFilterRow", "RowType", "guess_type", "remove_button"]


class FilterRowBase(QWidget):
    """What the builder needs from any row kind: `to_json`, `changed`, `remove_requested`.

    A row made from a saved filter gives that filter back exactly (`current_json`) until the
    user edits it, whatever its widgets can show: opening a report never changes its meaning.
    """

    changed = Signal()
    remove_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        #: The filter this row was made from, until the row is edited.
        self.loaded: dict[str, Any] | None = None
        self.changed.connect(self._forget_loaded)

    def _forget_loaded(self) -> None:
        self.loaded = None

    def current_json(self) -> dict[str, Any] | None:
        return copy.deepcopy(self.loaded) if self.loaded is not None else self.to_json()

    def to_json(self) -> dict[str, Any] | None:
        """The filter this row describes, or None while it is incomplete."""
        raise NotImplementedError

    def set_json(self, spec: dict[str, Any]) -> None:
        raise NotImplementedError

    def lay_out_lines(self, first: QLayout, *more: QLayout, removes: str,
                      into: QBoxLayout | None = None) -> QToolButton:
        """Lay out the row's lines of parts (WrapRows, which wrap where narrow) one under another,
        with the row's ✕ at the top right of the first: where the row starts, however its lines
        wrap. The lines go into `into` (an OR group's frame), else into a layout of the row's own.
        One place for what the did, cohort and property rows and the OR group's header share.

        The ✕ (`remove_button`, saying it removes `removes`) is made here, after the parts, so
        it follows them in the tab order; it emits `remove_requested`, and is returned.
        """
        if into is None:
            into = QVBoxLayout(self)
            into.setContentsMargins(0, 0, 0, 0)
            into.setSpacing(2)
        button = remove_button(into.parentWidget() or self, removes)
        head = QHBoxLayout()
        head.setSpacing(first.spacing())  # the ✕ as far from the parts as they are apart (-1: the style's)
        head.addLayout(first, 1)  # the parts take the spare width: the ✕ stays at the right
        head.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        into.addLayout(head)
        for line in more:
            into.addLayout(line)
        button.clicked.connect(self.remove_requested)
        return button


def remove_button(parent: QWidget, removes: str) -> QToolButton:
    """The ✕ that removes a row, one look for every row kind; tests and users find it by its
    object name, `removeButton`. Its tooltip and accessible name say what it removes
    ("Remove this condition"), as a bare ✕ does not, to a screen reader or a hovering user.

    An auto-raised tool button: it is as big as its ✕ needs at any font and shows its frame under
    the mouse. (The did, cohort, funnel and retention rows had a flat push button capped at 28 px,
    which at 14 pt was narrower than it asked, with no tooltip: two looks for one action.)
    """
    button = QToolButton(parent)
    button.setText("✕")
    button.setToolTip(removes)
    button.setAccessibleName(removes)
    button.setAutoRaise(True)
    button.setObjectName("removeButton")
    return button


class _NumberEdit(QLineEdit):
    """A number field that keeps integers integers (JSON `35`, not `35.0`), exactly: an id-like
    9007199254740993 (above 2^53) read through a float became 9007199254740992, another value."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        validator = QDoubleValidator(self)
        validator.setNotation(QDoubleValidator.Notation.StandardNotation)
        self.setValidator(validator)
        self.setPlaceholderText("number")

    def number(self) -> int | float | None:
        text = self.text().strip().replace(",", ".")
        if not text:
            return None
        for parse in (int, float):
            try:
                return parse(text)
            except ValueError:
                continue
        return None

    def set_number(self, value: Any) -> None:
        self.setText("" if value is None else str(value))


class _ValueStack(QStackedWidget):
    """The value editors, asking for the width of the one shown (at least the stack's minimum):
    a QStackedWidget asks for its widest page's, 'between's two numbers (285 px), so a row with
    a text value wrapped where it had room for one line."""

    def sizeHint(self) -> QSize:
        page = self.currentWidget()
        hint = page.sizeHint() if page is not None else QSize()
        return hint.expandedTo(self.minimumSizeHint())


class _PropertyCombo(QComboBox):
    """The property box: asks for 8 characters, or for its name where that is shorter, and
    gives up to 5 of them where the row has less room, so that it keeps its operator beside it
    (the name's start shows, its whole in the tooltip). A short name ('email') asking for 8
    characters took room its operator needed ('does not co…' in a 270 px column)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editTextChanged.connect(self.updateGeometry)

    def _chars(self, n: int) -> int:
        return self.fontMetrics().horizontalAdvance("x") * n

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        edit = self.lineEdit()
        shown = self.currentText() or (edit.placeholderText() if edit is not None else "")
        name = self.fontMetrics().horizontalAdvance(shown)
        shorter = max(0, self._chars(self.minimumContentsLength()) - max(name, self._chars(3)))
        return QSize(hint.width() - shorter, hint.height())

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        give = self._chars(self.minimumContentsLength() - 3)
        return QSize(hint.width() - give, hint.height())


class _OperatorCombo(QComboBox):
    """The operator box: as wide as its chosen operator's text where there is room, narrower where
    there is not, its text then cut with "…"; the whole text is in the drop-down list (never
    narrower than its longest entry) and in the tooltip. A box as wide as 'does not contain' put
    the property, the operator and the value of a condition on three lines in a 270 px column; a
    box of fixed width cut it ('does not con') where it was one line."""

    #: What the box shows at its narrowest: the start of the text, then "…".
    _SHORTEST = "is…"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.currentIndexChanged.connect(self.show_current)

    def show_current(self, *_args: Any) -> None:
        """The tooltip and the width asked for follow the operator shown; called also after
        items were changed with the signals blocked."""
        self.setToolTip(self.currentText())
        self.updateGeometry()

    def _size_for(self, text: str) -> QSize:
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        metrics = self.fontMetrics()
        contents = QSize(metrics.horizontalAdvance(text), max(metrics.height(), 14) + 2)
        size = self.style().sizeFromContents(QStyle.ContentsType.CT_ComboBox, option, contents, self)
        return QSize(size.width(), super().sizeHint().height())

    def sizeHint(self) -> QSize:
        return self._size_for(self.currentText())

    def minimumSizeHint(self) -> QSize:
        return self._size_for(self._SHORTEST).boundedTo(self.sizeHint())

    def paintEvent(self, _event: QPaintEvent) -> None:
        """As QComboBox paints, with the text cut to the room it has (Qt clips it, without "…")."""
        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        room = self.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                           QStyle.SubControl.SC_ComboBoxEditField, self).width()
        option.currentText = self.fontMetrics().elidedText(option.currentText, Qt.TextElideMode.ElideRight, room - 2)
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)

    def showPopup(self) -> None:
        """The list as wide as its longest entry, whatever the box's width (not every style widens it)."""
        view = self.view()
        if view is not None:
            view.setMinimumWidth(view.sizeHintForColumn(0) + 2 * view.frameWidth()
                                 + view.verticalScrollBar().sizeHint().width())
        super().showPopup()


class PropertyFilterRow(FilterRowBase):
    """[property ▾] [operator ▾] [value] [Aa]: one condition on a property or trait.

    The row is a view of its `ConditionState`: every widget edit writes the field it edits,
    `set_json` loads the state and then shows it, and `to_json` is the state's JSON. So a value
    no editor shows exactly (the number 5 of a string property, a list) and `ignore_case` come
    back as they were loaded.
    """

    def __init__(self, builder: FilterBuilder, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.builder = builder
        self.state = ConditionState(target="property" if builder.event_properties else "trait")
        #: True while the row shows its state (widget signals then must not write it back).
        self._showing = False
        self.setObjectName("filterRow")
        self.property_combo = _PropertyCombo(self)
        self.property_combo.setObjectName("propertyCombo")
        self.property_combo.setEditable(True)
        self.property_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        # 8 characters at least (12 before), so that it shares the row's first line with its
        # operator beside the ✕ in a 300 px controls column (Segmentation's at 1920 x 1080), also
        # in an OR group; where there is more room they stretch, where less both give (_PropertyCombo).
        self.property_combo.setMinimumContentsLength(8)
        self.property_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        line_edit_of(self.property_combo).setPlaceholderText("property…" if builder.event_properties else "trait…")
        # Names and values from the data, in the lists and the completers' pop-ups, as the app
        # shows them (app.ui.plain); what is chosen or typed stays the name or value itself.
        plain_combo(self.property_combo)
        completer = self.property_combo.completer()
        if completer is not None:
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
            if (popup := completer.popup()) is not None:
                plain_items(popup)
        self.op_combo = _OperatorCombo(self)
        self.op_combo.setObjectName("opCombo")
        self.values = _ValueStack(self)
        self.values.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        # page 0: text with completer, 1: number, 2: two numbers, 3: date, 4: days, 5: nothing
        self.text_edit = plain_edit(QLineEdit(self))  # a value with a control is marked
        self.text_edit.setObjectName("valueEdit")
        self.text_edit.setPlaceholderText("value")
        self._value_model = QStringListModel(self)
        value_completer = QCompleter(self._value_model, self)
        value_completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        value_completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.text_edit.setCompleter(value_completer)
        if (popup := value_completer.popup()) is not None:
            plain_items(popup)
        self.number_edit = _NumberEdit(self)
        between = QWidget(self)
        between_layout = QHBoxLayout(between)
        between_layout.setContentsMargins(0, 0, 0, 0)
        self.low_edit = _NumberEdit(between)
        self.high_edit = _NumberEdit(between)
        between_layout.addWidget(self.low_edit)
        between_layout.addWidget(QLabel("and", between))
        between_layout.addWidget(self.high_edit)
        self.date_edit = QDateEdit(self)
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.setDate(QDate.currentDate())
        self.days_edit = QSpinBox(self)
        self.days_edit.setRange(1, 100_000)
        self.days_edit.setValue(30)
        self.days_edit.setSuffix(" days")
        for widget in (self.text_edit, self.number_edit, between, self.date_edit, self.days_edit, QWidget(self)):
            self.values.addWidget(widget)
        self.case_button = QToolButton(self)
        self.case_button.setObjectName("ignoreCase")
        self.case_button.setText("Aa")
        self.case_button.setCheckable(True)
        self.case_button.setAutoRaise(True)
        self.case_button.setToolTip("Ignore case (A–Z): checked, 'berlin' also matches 'Berlin'")
        # Wraps as the did and cohort rows do (2bd7e45, 0158c31): one line where there is room,
        # else [property][operator] over [value][Aa]. Two fixed lines asked 264 px, which held the
        # User explorer's filters column at 312 px on a laptop screen (and an OR group's at 326),
        # where the persons need the room. The property keeps its operator beside it, both
        # narrower where the column is (a 270 px column put them on two lines, the value on a
        # third). The ✕ stays at the row's top right.
        parts = WrapRow()
        parts.setSpacing(4)
        parts.addWidget(self.property_combo, 3, keep_with_next=True)
        parts.addWidget(self.op_combo, 2)
        parts.addWidget(self.values, 5, keep_with_next=True)  # "Aa" stays beside the value it is for
        parts.addWidget(self.case_button)
        self.lay_out_lines(parts, removes="Remove this condition")

        self._type = "string"
        self._fill_properties()
        self.property_combo.setCurrentIndex(-1)
        self._set_type("string")
        self.state.op = self.current_op()
        self.property_combo.currentIndexChanged.connect(self._on_property_changed)
        self.property_combo.editTextChanged.connect(self._on_property_text)
        line_edit_of(self.property_combo).editingFinished.connect(self._on_property_typed)
        self.op_combo.currentIndexChanged.connect(self._on_op_changed)
        for edit in (self.text_edit, self.number_edit, self.low_edit, self.high_edit):
            edit.textChanged.connect(self._on_value_edited)
        self.date_edit.dateChanged.connect(self._on_value_edited)
        self.days_edit.valueChanged.connect(self._on_value_edited)
        self.case_button.toggled.connect(self._on_case_toggled)

    # ----------------------------------------------------------------- properties
    def _fill_properties(self) -> None:
        current = self.current_property()
        self.property_combo.blockSignals(True)
        self.property_combo.clear()
        for info in self.builder.available_properties():
            self.property_combo.addItem(field_icon(info.source), self._label(info), info)
        if current is not None:
            self._select_property(current)
        self.property_combo.blockSignals(False)

    def refresh_properties(self) -> None:
        self._fill_properties()

    def _select_property(self, info: PropertyInfo) -> None:
        for i in range(self.property_combo.count()):
            data = self.property_combo.itemData(i)
            if isinstance(data, PropertyInfo) and data.key == info.key:
                self.property_combo.setCurrentIndex(i)
                self._show_name_start()
                return
        self.property_combo.addItem(field_icon(info.source), self._label(info), info)
        self.property_combo.setCurrentIndex(self.property_combo.count() - 1)
        self._show_name_start()

    def _label(self, info: PropertyInfo) -> str:
        """The name as this row's box shows it: where the box lists only traits (the User
        explorer's) the trait icon says what it is, and ' (trait)' after every name took ~40 px
        of a 270 px column ('email (t' beside its operator)."""
        return info.name if not self.builder.event_properties else info.label

    def _show_name_start(self) -> None:
        """A name longer than its box shows its start ('country (tr'), not its end ('untry
        (trait)', where the line edit leaves its cursor), and whole in the tooltip: in a narrow
        column (an OR group at 1366 x 768) the box is shorter than many names."""
        line_edit_of(self.property_combo).setCursorPosition(0)
        self.property_combo.setToolTip(self.property_combo.currentText())

    def current_property(self) -> PropertyInfo | None:
        index = self.property_combo.currentIndex()
        data = self.property_combo.itemData(index) if index >= 0 else None
        if isinstance(data, PropertyInfo) and self.property_combo.currentText() == self._label(data):
            return data
        text = self.property_combo.currentText().strip()
        if not text:
            return None
        source = "trait" if not self.builder.event_properties else "property"
        return PropertyInfo(text, source, self._type)

    def _write_property(self) -> None:
        info = self.current_property()
        with self.state.delay_callbacks():
            self.state.target = info.source if info is not None else self.state.target
            self.state.name = info.name if info is not None else ""

    def _on_property_text(self, _text: str) -> None:
        if not self._showing:
            self._write_property()

    def _on_property_typed(self) -> None:
        info = self.current_property()
        if info is not None and self.property_combo.findText(self._label(info)) < 0:
            self._select_property(info)
        self.changed.emit()

    def _on_property_changed(self, _index: int) -> None:
        self._show_name_start()
        info = self.current_property()
        self._set_type(info.type if info is not None else "string")
        self._load_values()
        if not self._showing:
            with self.state.delay_callbacks():
                self._write_property()
                self.state.op = self.current_op()
                self.state.value = self._editor_value()
        self.changed.emit()

    def _load_values(self) -> None:
        info = self.current_property()
        discovery = self.builder.discovery
        if info is None or discovery is None or self._type != "string":
            return
        discovery.values(info, self._on_values)

    def _on_values(self, values: list[Any]) -> None:
        self._value_model.setStringList([str(v) for v in values if v is not None])

    # ----------------------------------------------------------------- operators
    def _set_type(self, kind: str) -> None:
        self._type = kind if kind in OPERATORS_BY_TYPE else "string"
        current = self.op_combo.currentData()
        self.op_combo.blockSignals(True)
        self.op_combo.clear()
        for op, label in operator_choices(self._type):
            self.op_combo.addItem(label, op)
        index = self.op_combo.findData(current)
        self.op_combo.setCurrentIndex(max(0, index))
        self.op_combo.blockSignals(False)
        self.op_combo.show_current()
        self._show_value_editor()

    def _on_op_changed(self, _index: int) -> None:
        self._show_value_editor()
        if not self._showing:
            with self.state.delay_callbacks():
                self.state.op = self.current_op()
                self.state.value = self._editor_value()
        self.changed.emit()

    def current_op(self) -> str:
        return str(self.op_combo.currentData() or "eq")

    _PAGES: ClassVar[dict[str, int]] = {"text": 0, "number": 1, "between": 2, "date": 3, "days": 4, "none": 5}

    def _show_value_editor(self) -> None:
        op = self.current_op()
        self.values.setCurrentIndex(self._PAGES[value_editor(op, self._type)])
        self.case_button.setVisible((op in CASE_OPS and self._type != "number") or self.state.ignore_case)

    # ----------------------------------------------------------------- values
    def _on_value_edited(self, *_args: Any) -> None:
        if self._showing:
            return
        self.state.value = self._editor_value()
        self.changed.emit()

    def _on_case_toggled(self, checked: bool) -> None:
        if self._showing:
            return
        self.state.ignore_case = checked
        self.changed.emit()

    def _editor_value(self) -> Any:
        """What the visible editor holds, as a filter value (None while it is empty)."""
        op = self.current_op()
        kind = value_editor(op, self._type)
        if kind == "none":
            return None
        if kind == "between":
            low, high = self.low_edit.number(), self.high_edit.number()
            return None if low is None or high is None else [low, high]
        if kind == "date":
            return self.date_edit.date().toString("yyyy-MM-dd")
        if kind == "days":
            return self.days_edit.value()
        if kind == "number":
            return self.number_edit.number()
        text = self.text_edit.text()
        # A saved "any of" list, shown joined, kept as a list. The editor holds at most
        # maxLength (32,767) characters and cuts the rest: 1,000 values of 40 characters (within
        # the query's limits) became one string of 32,767 as soon as the operator was changed.
        if self._list_value is not None and text == self._list_text[: self.text_edit.maxLength()]:
            return list(self._list_value)
        return text if text != "" else None

    # ----------------------------------------------------------------- JSON
    def to_json(self) -> dict[str, Any] | None:
        return self.state.to_json()

    def set_json(self, spec: dict[str, Any]) -> None:
        self.state = ConditionState.from_json(spec)
        self._show_state()

    def _show_state(self) -> None:
        """Show the state in the widgets (which do not write back meanwhile)."""
        state = self.state
        discovery = self.builder.discovery
        spec = state.to_json() or {state.target: state.name, "op": state.op}
        info = discovery.find(state.target, state.name) if discovery is not None else None
        if discovery is None or info is None or info not in discovery.properties():
            info = PropertyInfo(state.name, state.target, guess_type(spec))
        self._showing = True
        self.blockSignals(True)
        try:
            self.property_combo.blockSignals(True)
            self._select_property(info)
            self.property_combo.blockSignals(False)
            self._set_type(info.type)
            op = state.op
            index = self.op_combo.findData(op)
            if index < 0:  # an operator this type does not list (e.g. eq on a date): offer it anyway
                self.op_combo.addItem(operator_label(op), op)
                index = self.op_combo.count() - 1
            self.op_combo.setCurrentIndex(index)
            self.case_button.setChecked(state.ignore_case)
            self._show_value_editor()
            value = state.value
            kind = value_editor(op, self._type)
            if kind == "between" and isinstance(value, list) and len(value) == 2:
                self.low_edit.set_number(value[0])
                self.high_edit.set_number(value[1])
            elif kind == "date" and isinstance(value, str):
                self.date_edit.setDate(QDate.fromString(value, "yyyy-MM-dd"))
            elif kind == "days":
                show_in_spin(self.days_edit, value)  # 10**12 days: the state keeps it, the panel names it
            elif kind == "number":
                self.number_edit.set_number(value)
            elif value is not None:
                if isinstance(value, list):
                    self._list_value = list(value)
                    self._list_text = ", ".join(map(_text_of, value))
                    self.text_edit.setText(self._list_text)
                else:
                    self.text_edit.setText(_text_of(value))
        finally:
            self.blockSignals(False)
            self._showing = False
        self._load_values()

    _list_value: list[Any] | None = None
    _list_text = ""


def _text_of(value: Any) -> str:
    """A value as the text editor shows it (JSON's true/false, not Python's True/False)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class OrGroup(FilterRowBase):
    """`{"any": [...]}`: a framed group whose rows are ORed."""

    def __init__(self, builder: FilterBuilder, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.builder = builder
        self.setObjectName("orGroup")
        frame = QFrame(self)
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(frame)
        layout = QVBoxLayout(frame)
        layout.setContentsMargins(6, 4, 6, 4)
        # "any of (OR)  [+ condition]" wraps where narrow, the ✕ at the top right, as the rows
        # in the group do.
        title = WrapRow()
        title.addWidget(QLabel("<b>any of</b> (OR)", frame), 1)
        add = QPushButton("+ condition", frame)
        add.setObjectName("addOrCondition")
        title.addWidget(add)
        self.lay_out_lines(title, removes="Remove this OR group", into=layout)
        self.rows_layout = QVBoxLayout()
        self.rows_layout.setSpacing(2)
        layout.addLayout(self.rows_layout)
        self.rows: list[FilterRowBase] = []
        add.clicked.connect(lambda: self.add_row())

    def add_row(self, spec: dict[str, Any] | None = None) -> FilterRowBase:
        row = self.builder.make_row(spec, parent=self)
        self.rows.append(row)
        self.rows_layout.addWidget(row)
        row.changed.connect(self.changed)
        row.remove_requested.connect(lambda r=row: self._remove(r))
        self.changed.emit()
        return row

    def _remove(self, row: FilterRowBase) -> None:
        if row in self.rows:
            self.rows.remove(row)
            row.setParent(None)
            row.deleteLater()
            self.changed.emit()

    def refresh_properties(self) -> None:
        for row in self.rows:
            refresh = getattr(row, "refresh_properties", None)
            if refresh is not None:
                refresh()

    def to_json(self) -> dict[str, Any] | None:
        """`{"any": [...]}` of the complete members (also of one: a loaded group stays a group)."""
        members = [spec for spec in (row.current_json() for row in self.rows) if spec is not None]
        if not members:
            return None
        return {"any": members}

    def set_json(self, spec: dict[str, Any]) -> None:
        for member in spec.get("any", []):
            self.add_row(member)


@dataclass(frozen=True)
class RowType:
    """A row kind another panel adds (e.g. behavioural filters in the user explorer)."""

    key: str
    button_label: str
    factory: Callable[[FilterBuilder, QWidget | None], FilterRowBase]
    matches: Callable[[dict[str, Any]], bool]


class FilterBuilder(QWidget):
    """Edits a `where` list; `changed` fires on every edit (consumers debounce)."""

    changed = Signal()

    def __init__(
        self,
        discovery: DiscoveryCache | None = None,
        parent: QWidget | None = None,
        *,
        traits: bool = True,
        event_properties: bool = True,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("filterBuilder")
        self.discovery = discovery
        self.traits = traits
        self.event_properties = event_properties
        self.row_types: list[RowType] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        self.rows_layout = QVBoxLayout()
        self.rows_layout.setSpacing(3)
        layout.addLayout(self.rows_layout)
        # Wraps when narrow: on one row the User explorer's four add buttons asked 343 px, so its
        # filters column could not be narrower on a laptop screen, where the persons need the room.
        self.buttons = WrapRow()
        self.add_button = QPushButton("+ Filter", self)
        self.add_button.setObjectName("addFilter")
        self.add_group_button = QPushButton("+ OR group", self)
        self.add_group_button.setObjectName("addOrGroup")
        self.buttons.addWidget(self.add_button)
        self.buttons.addWidget(self.add_group_button)
        layout.addLayout(self.buttons)
        self.rows: list[FilterRowBase] = []
        self.add_button.clicked.connect(lambda: self.add_row())
        self.add_group_button.clicked.connect(lambda: self.add_group())
        if discovery is not None:
            discovery.properties_changed.connect(self._on_properties_changed)

    # ----------------------------------------------------------------- extension
    def register_row_type(self, row_type: RowType) -> QPushButton:
        """Add a row kind with its own "+" button; `set_filters` routes matching dicts to it."""
        self.row_types.append(row_type)
        button = QPushButton(row_type.button_label, self)
        button.setObjectName(f"add_{row_type.key}")
        self.buttons.addWidget(button)
        button.clicked.connect(lambda: self._append(row_type.factory(self, self)))
        return button

    def available_properties(self) -> list[PropertyInfo]:
        if self.discovery is None:
            return []
        return self.discovery.properties(traits=self.traits, event_properties=self.event_properties)

    def make_row(self, spec: dict[str, Any] | None, parent: QWidget | None) -> FilterRowBase:
        """The row widget for `spec` (a new empty property row when None)."""
        if spec is not None:
            if "any" in spec:
                group = OrGroup(self, parent)
                group.set_json(spec)
                return group
            for row_type in self.row_types:
                if row_type.matches(spec):
                    custom = row_type.factory(self, parent)
                    custom.set_json(spec)
                    custom.loaded = copy.deepcopy(spec)  # given back as it is until edited
                    return custom
        row = PropertyFilterRow(self, parent)
        if spec is not None:
            row.set_json(spec)
        return row

    # ----------------------------------------------------------------- editing
    def add_row(self, spec: dict[str, Any] | None = None) -> FilterRowBase:
        return self._append(self.make_row(spec, self))

    def add_group(self, spec: dict[str, Any] | None = None) -> OrGroup:
        group = OrGroup(self, self)
        if spec is not None:
            group.set_json(spec)
        else:
            group.add_row()
            group.add_row()
        self._append(group)
        return group

    def _append(self, row: FilterRowBase) -> FilterRowBase:
        self.rows.append(row)
        self.rows_layout.addWidget(row)
        row.changed.connect(self.changed)
        row.remove_requested.connect(lambda r=row: self.remove_row(r))
        self.changed.emit()
        return row

    def remove_row(self, row: FilterRowBase) -> None:
        if row in self.rows:
            self.rows.remove(row)
            row.setParent(None)
            row.deleteLater()
            self.changed.emit()

    def clear(self) -> None:
        for row in list(self.rows):
            self.rows.remove(row)
            row.setParent(None)
            row.deleteLater()

    def _on_properties_changed(self) -> None:
        for row in self.rows:
            refresh = getattr(row, "refresh_properties", None)
            if refresh is not None:
                refresh()

    # ----------------------------------------------------------------- JSON
    def filters(self) -> list[dict[str, Any]]:
        """The `where` list: complete rows only, in order."""
        return [spec for spec in (row.current_json() for row in self.rows) if spec is not None]

    def set_filters(self, filters: list[dict[str, Any]] | None) -> None:
        """Show `filters` (a `where` list); emits one `changed`."""
        self.blockSignals(True)
        try:
            self.clear()
            for spec in filters or []:
                if not isinstance(spec, dict):
                    continue  # not a filter (a hand-edited report, which the parser names)
                if "any" in spec:
                    self.add_group(spec)
                else:
                    self.add_row(spec)
        finally:
            self.blockSignals(False)
        self.changed.emit()

