"""The Qt-free core: event database schema, connections and dialect differences."""
