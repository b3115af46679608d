"""The breakdown picker Segmentation, Funnels and Retention share: a property or trait, or none.

Its value is the query model's breakdown (`"name"` for an event property, `{"trait": name}`
for a trait, None); a name typed by hand that discovery has not seen counts as a property.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QWidget

from app.ui.discovery import PropertyInfo
from app.ui.icons import field_icon
from app.ui.plain import plain_combo


class BreakdownCombo(QComboBox):
    def __init__(self, none_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.none_label = none_label
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        plain_combo(self)  # property names as shown in its list
        self.addItem(none_label, None)

    def fill(self, properties: list[PropertyInfo], current: Any) -> None:
        """Offer these fields (discovery's order), showing `current` (kept even if not offered)."""
        self.clear()
        self.addItem(self.none_label, None)
        for info in properties:
            self.addItem(field_icon(info.source), info.label, info)
        self.set_breakdown(current)

    def breakdown(self) -> Any:
        text = self.currentText().strip()
        if not text or text == self.none_label:
            return None
        index = self.findText(text)
        data = self.itemData(index) if index >= 0 else None
        if isinstance(data, PropertyInfo):
            return data.name if data.source == "property" else {"trait": data.name}
        return text

    def set_breakdown(self, breakdown: Any) -> None:
        if breakdown is None:
            self.setCurrentIndex(0)
            return
        info = (PropertyInfo(str(breakdown["trait"]), "trait") if isinstance(breakdown, dict)
                else PropertyInfo(str(breakdown), "property"))
        for i in range(self.count()):
            data = self.itemData(i)
            if isinstance(data, PropertyInfo) and data.source == info.source and data.name == info.name:
                self.setCurrentIndex(i)
                return
        self.addItem(field_icon(info.source), info.label, info)
        self.setCurrentIndex(self.count() - 1)
