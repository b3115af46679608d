"""One module per query kind, each holding its runner (and, for kinds not in app.query.model,
its query dataclass). app.query.model.KINDS lists them; `parse_query`/`get_runner` import a
kind's module `app.query.runners.<kind>` on first use, so a frozen build must include this
package's submodules (PyInstaller: collect_submodules("app.query.runners"))."""
