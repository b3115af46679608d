"""The desktop app: the only package that imports Qt (PySide6) and pyqtgraph.

Everything here presents what `app.query.run_query` answers; nothing here aggregates events.
"""
