"""The shared filter builder: rows of [property ▾] [operator ▾] [value], ANDed, with OR groups.

It edits exactly the `where` list of the query JSON (docs/query.md) and nothing else, so
`set_filters(builder.filters())` round-trips. The property's type (from discovery) picks
the operators and the value editor: a completer of common values for strings, number
fields, date pickers. Other panels add row kinds (behavioural "did X" rows in the user
explorer) with `register_row_type`, and restrict fields with `traits`/`event_properties`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QDate, QStringListModel, Qt, Signal
from PySide6.QtGui import QDoubleValidator
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDateEdit,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.discovery import DiscoveryCache, PropertyInfo
from app.ui.widgets.combo import line_edit_of

#: Operator -> label, per property type, in menu order.
OPERATORS: dict[str, list[tuple[str, str]]] = {
    "string": [
        ("eq", "is"),
        ("neq", "is not"),
        ("contains", "contains"),
        ("not_contains", "does not contain"),
        ("starts_with", "starts with"),
        ("set", "is set"),
        ("not_set", "is not set"),
    ],
    "number": [
        ("eq", "="),
        ("neq", "≠"),
        ("gt", ">"),
        ("gte", "≥"),
        ("lt", "<"),
        ("lte", "≤"),
        ("between", "between"),
        ("set", "is set"),
        ("not_set", "is not set"),
    ],
    "boolean": [("true", "is true"), ("false", "is false"), ("set", "is set"), ("not_set", "is not set")],
    "date": [
        ("after", "after"),
        ("before", "before"),
        ("in_last_days", "in the last … days"),
        ("eq", "is"),
        ("neq", "is not"),
        ("set", "is set"),
        ("not_set", "is not set"),
    ],
}
NO_VALUE_OPS = {"set", "not_set", "true", "false"}
DATE_OPS = {"before", "after", "in_last_days"}
NUMBER_ONLY_OPS = {"gt", "gte", "lt", "lte", "between"}


def guess_type(spec: dict[str, Any]) -> str:
    """The type a saved filter implies when discovery does not know its property."""
    op = spec.get("op")
    value = spec.get("value")
    if op in ("true", "false"):
        return "boolean"
    if op in DATE_OPS:
        return "date"
    if op in NUMBER_ONLY_OPS:
        return "number"
    sample = value[0] if isinstance(value, list) and value else value
    if isinstance(sample, bool):
        return "boolean"
    if isinstance(sample, int | float):
        return "number"
    return "string"


class FilterRowBase(QWidget):
    """What the builder needs from any row kind: `to_json`, `changed`, `remove_requested`."""

    changed = Signal()
    remove_requested = Signal()

    def to_json(self) -> dict[str, Any] | None:
        """The filter this row describes, or None while it is incomplete."""
        raise NotImplementedError

    def set_json(self, spec: dict[str, Any]) -> None:
        raise NotImplementedError


def _remove_button(parent: QWidget) -> QToolButton:
    button = QToolButton(parent)
    button.setText("✕")
    button.setToolTip("Remove")
    button.setAutoRaise(True)
    button.setObjectName("removeButton")
    return button


class _NumberEdit(QLineEdit):
    """A number field that keeps integers integers (JSON `35`, not `35.0`)."""

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
        try:
            value = float(text)
        except ValueError:
            return None
        return int(value) if value.is_integer() and "." not in text and "e" not in text.lower() else value

    def set_number(self, value: Any) -> None:
        self.setText("" if value is None else str(value))


class PropertyFilterRow(FilterRowBase):
    """[property ▾] [operator ▾] [value]: one condition on a property or trait."""

    def __init__(self, builder: FilterBuilder, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.builder = builder
        self.setObjectName("filterRow")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.property_combo = QComboBox(self)
        self.property_combo.setObjectName("propertyCombo")
        self.property_combo.setEditable(True)
        self.property_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.property_combo.setMinimumContentsLength(12)
        self.property_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        line_edit_of(self.property_combo).setPlaceholderText("property…")
        completer = self.property_combo.completer()
        if completer is not None:
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.op_combo = QComboBox(self)
        self.op_combo.setObjectName("opCombo")
        self.values = QStackedWidget(self)
        self.values.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        # page 0: text with completer, 1: number, 2: two numbers, 3: date, 4: days, 5: nothing
        self.text_edit = QLineEdit(self)
        self.text_edit.setObjectName("valueEdit")
        self.text_edit.setPlaceholderText("value")
        self._value_model = QStringListModel(self)
        value_completer = QCompleter(self._value_model, self)
        value_completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        value_completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.text_edit.setCompleter(value_completer)
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
        remove = _remove_button(self)
        layout.addWidget(self.property_combo, 3)
        layout.addWidget(self.op_combo, 2)
        layout.addWidget(self.values, 3)
        layout.addWidget(remove)

        self._type = "string"
        self._fill_properties()
        self.property_combo.setCurrentIndex(-1)
        self._set_type("string")
        self.property_combo.currentIndexChanged.connect(self._on_property_changed)
        line_edit_of(self.property_combo).editingFinished.connect(self._on_property_typed)
        self.op_combo.currentIndexChanged.connect(self._on_op_changed)
        for edit in (self.text_edit, self.number_edit, self.low_edit, self.high_edit):
            edit.textChanged.connect(self.changed)
        self.date_edit.dateChanged.connect(self.changed)
        self.days_edit.valueChanged.connect(self.changed)
        remove.clicked.connect(self.remove_requested)

    # ----------------------------------------------------------------- properties
    def _fill_properties(self) -> None:
        current = self.current_property()
        self.property_combo.blockSignals(True)
        self.property_combo.clear()
        for info in self.builder.available_properties():
            self.property_combo.addItem(info.label, info)
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
                return
        self.property_combo.addItem(info.label, info)
        self.property_combo.setCurrentIndex(self.property_combo.count() - 1)

    def current_property(self) -> PropertyInfo | None:
        index = self.property_combo.currentIndex()
        data = self.property_combo.itemData(index) if index >= 0 else None
        if isinstance(data, PropertyInfo) and self.property_combo.currentText() == data.label:
            return data
        text = self.property_combo.currentText().strip()
        if not text:
            return None
        source = "trait" if not self.builder.event_properties else "property"
        return PropertyInfo(text, source, self._type)

    def _on_property_typed(self) -> None:
        info = self.current_property()
        if info is not None and self.property_combo.findText(info.label) < 0:
            self._select_property(info)
        self.changed.emit()

    def _on_property_changed(self, _index: int) -> None:
        info = self.current_property()
        self._set_type(info.type if info is not None else "string")
        self._load_values()
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
        self._type = kind if kind in OPERATORS else "string"
        current = self.op_combo.currentData()
        self.op_combo.blockSignals(True)
        self.op_combo.clear()
        for op, label in OPERATORS[self._type]:
            self.op_combo.addItem(label, op)
        index = self.op_combo.findData(current)
        self.op_combo.setCurrentIndex(max(0, index))
        self.op_combo.blockSignals(False)
        self._show_value_editor()

    def _on_op_changed(self, _index: int) -> None:
        self._show_value_editor()
        self.changed.emit()

    def current_op(self) -> str:
        return str(self.op_combo.currentData() or "eq")

    def _show_value_editor(self) -> None:
        op = self.current_op()
        if op in NO_VALUE_OPS:
            page = 5
        elif op == "between":
            page = 2
        elif op in ("before", "after"):
            page = 3
        elif op == "in_last_days":
            page = 4
        elif self._type == "number":
            page = 1
        else:
            page = 0
        self.values.setCurrentIndex(page)

    # ----------------------------------------------------------------- JSON
    def _value(self) -> Any:
        op = self.current_op()
        if op in NO_VALUE_OPS:
            return None
        if op == "between":
            low, high = self.low_edit.number(), self.high_edit.number()
            return None if low is None or high is None else [low, high]
        if op in ("before", "after"):
            return self.date_edit.date().toString("yyyy-MM-dd")
        if op == "in_last_days":
            return self.days_edit.value()
        if self._type == "number":
            return self.number_edit.number()
        text = self.text_edit.text()
        if self._list_value is not None and text == self._list_text:
            return list(self._list_value)  # a saved "any of" list, shown joined, kept as a list
        return text if text != "" else None

    def to_json(self) -> dict[str, Any] | None:
        info = self.current_property()
        if info is None:
            return None
        op = self.current_op()
        out: dict[str, Any] = {info.source: info.name, "op": op}
        if op not in NO_VALUE_OPS:
            value = self._value()
            if value is None:
                return None
            out["value"] = value
        return out

    def set_json(self, spec: dict[str, Any]) -> None:
        source = "trait" if "trait" in spec else "property"
        name = str(spec[source])
        discovery = self.builder.discovery
        info = discovery.find(source, name) if discovery is not None else PropertyInfo(name, source)
        if discovery is None or info not in discovery.properties():
            info = PropertyInfo(name, source, guess_type(spec))
        self.blockSignals(True)
        self.property_combo.blockSignals(True)
        self._select_property(info)
        self.property_combo.blockSignals(False)
        self._set_type(info.type)
        op = str(spec.get("op", "eq"))
        index = self.op_combo.findData(op)
        if index < 0:  # an operator this type does not list (e.g. eq on a date): offer it anyway
            self.op_combo.addItem(op, op)
            index = self.op_combo.count() - 1
        self.op_combo.setCurrentIndex(index)
        self._show_value_editor()
        value = spec.get("value")
        if op == "between" and isinstance(value, list) and len(value) == 2:
            self.low_edit.set_number(value[0])
            self.high_edit.set_number(value[1])
        elif op in ("before", "after") and isinstance(value, str):
            self.date_edit.setDate(QDate.fromString(value, "yyyy-MM-dd"))
        elif op == "in_last_days" and isinstance(value, int):
            self.days_edit.setValue(value)
        elif self._type == "number":
            self.number_edit.set_number(value)
        elif value is not None:
            if isinstance(value, list):
                self._list_value = list(value)
                self._list_text = ", ".join(map(str, value))
                self.text_edit.setText(self._list_text)
            else:
                self.text_edit.setText(str(value))
        self.blockSignals(False)
        self._load_values()

    _list_value: list[Any] | None = None
    _list_text = ""


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
        header = QHBoxLayout()
        header.addWidget(QLabel("<b>any of</b> (OR)", frame))
        header.addStretch(1)
        add = QPushButton("+ condition", frame)
        add.setObjectName("addOrCondition")
        remove = _remove_button(frame)
        header.addWidget(add)
        header.addWidget(remove)
        layout.addLayout(header)
        self.rows_layout = QVBoxLayout()
        self.rows_layout.setSpacing(2)
        layout.addLayout(self.rows_layout)
        self.rows: list[FilterRowBase] = []
        add.clicked.connect(lambda: self.add_row())
        remove.clicked.connect(self.remove_requested)

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
        members = [spec for spec in (row.to_json() for row in self.rows) if spec is not None]
        if not members:
            return None
        if len(members) == 1:
            return members[0]
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
        self.buttons = QHBoxLayout()
        self.add_button = QPushButton("+ Filter", self)
        self.add_button.setObjectName("addFilter")
        self.add_group_button = QPushButton("+ OR group", self)
        self.add_group_button.setObjectName("addOrGroup")
        self.buttons.addWidget(self.add_button)
        self.buttons.addWidget(self.add_group_button)
        self.buttons.addStretch(1)
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
        self.buttons.insertWidget(self.buttons.count() - 1, button)
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
        return [spec for spec in (row.to_json() for row in self.rows) if spec is not None]

    def set_filters(self, filters: list[dict[str, Any]] | None) -> None:
        """Show `filters` (a `where` list); emits one `changed`."""
        self.blockSignals(True)
        try:
            self.clear()
            for spec in filters or []:
                if "any" in spec:
                    self.add_group(spec)
                else:
                    self.add_row(spec)
        finally:
            self.blockSignals(False)
        self.changed.emit()

