"""Why a database could not be reached, in one line a person understands (issue 16: refused, DNS,
authentication), whichever database it is."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from app.cli.main import cli
from app.core.database import describe_error


@pytest.mark.parametrize(("raw", "said"), [
    ('connection failed: could not translate host name "db.exmaple.com" to address: Name or service not known',
     "host name is unknown (DNS)"),
    ("HTTPConnectionPool(host='ch.exmaple.com', port=8123): Max retries exceeded (Caused by NameResolutionError"
     "(\"Failed to resolve 'ch.exmaple.com' ([Errno -2] Name or service not known)\"))", "host name is unknown (DNS)"),
    ('connection failed: FATAL:  password authentication failed for user "bob"',
     "wrong user name or password for the PostgreSQL server"),
    ("Code: 516. DB::Exception: default: Authentication failed: password is incorrect, or there is no user with "
     "such name. (AUTHENTICATION_FAILED)", "wrong user name or password for the ClickHouse server"),
    ('connection failed: connection to server at "127.0.0.1", port 9 failed: Connection refused',
     "cannot reach the database server"),
])
def test_the_reason_is_named(raw: str, said: str) -> None:
    message = describe_error(RuntimeError(raw))
    assert said in message and "\n" not in message


def test_an_unknown_server_host_is_one_line_from_the_cli() -> None:
    result = CliRunner().invoke(cli, ["query", "--db", "postgresql://bob@no-such-host.invalid/events", "--spec", "-"],
                                input='{"kind": "segmentation"}')
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "host name is unknown (DNS)" in result.output, result.output
