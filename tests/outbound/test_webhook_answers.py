"""A campaign's webhook receiver answering with an enormous body: the sender reads none of it on
success and at most 64 KiB of it on failure, instead of the whole body into memory per person."""

from __future__ import annotations

import pytest

from app.outbound.messages.channels import WebhookTransport
from app.outbound.retry import PermanentFailure, TemporaryFailure
from tests.support.receivers import HugeAnswerServer


@pytest.mark.parametrize("status, failure", [(b"200 OK", None), (b"400 Bad Request", PermanentFailure),
                                             (b"503 Service Unavailable", TemporaryFailure)])
def test_an_enormous_webhook_answer_is_not_read_whole(status: bytes, failure: type[Exception] | None) -> None:
    server = HugeAnswerServer(status)
    transport = WebhookTransport(timeout=10)
    try:
        if failure is None:
            transport.deliver(f"http://127.0.0.1:{server.port}/hook", {}, {"text": "hi"}, "key-1")
        else:
            with pytest.raises(failure) as caught:
                transport.deliver(f"http://127.0.0.1:{server.port}/hook", {}, {"text": "hi"}, "key-1")
            assert f"HTTP {status[:3].decode()}" in str(caught.value)
            assert "first line of the answer" in str(caught.value) and len(str(caught.value)) < 400
        assert server.done.wait(30)
    finally:
        transport.close()
        server.close()
    assert server.sent < HugeAnswerServer.SIZE // 4  # the sender stopped reading long before the end
