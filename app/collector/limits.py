"""Size limits, as Segment documents them, so clients tuned for Segment never hit a surprise here."""

from __future__ import annotations

#: One message, serialised (enforced by the ingestion core, reported per message).
MAX_MESSAGE_BYTES = 32 * 1024
#: One request body, measured after decompression.
MAX_REQUEST_BYTES = 500 * 1024
#: Messages in one batch request.
MAX_BATCH_MESSAGES = 2500
#: Longest pause while a request body arrives, and longest time for a whole body (500 KB at
#: 10 KB/s is 50 s: slow mobile links fit, a client that stops sending does not hold on).
BODY_IDLE_SECONDS = 15.0
BODY_TOTAL_SECONDS = 60.0
#: Longest time for a request line and its headers, from their first byte (app.collector.protocol).
HEADER_SECONDS = 15.0
