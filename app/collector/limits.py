"""Size limits, as Segment documents them, so clients tuned for Segment never hit a surprise here."""

from __future__ import annotations

#: One message, serialised (enforced by the ingestion core, reported per message).
MAX_MESSAGE_BYTES = 32 * 1024
#: One request body, measured after decompression.
MAX_REQUEST_BYTES = 500 * 1024
#: Messages in one batch request.
MAX_BATCH_MESSAGES = 2500
