"""The Segment-compatible HTTP collector: official tracking clients deliver straight into the event database.

Qt-free. `app.collector.app.create_app` builds the Starlette application, `app.collector.server.serve`
runs it on uvicorn; `tracklens collect` (app/cli/collect_cmd.py) is the command line.
"""
