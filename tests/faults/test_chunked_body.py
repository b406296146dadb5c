"""A body sent without a length cannot make the server hold more than the limit (both stores).

`frispor serve` runs as its own process; a raw socket sends `Transfer-Encoding: chunked` bodies
of 200 MiB, without credentials and with them, and stops sending once the server answers. The
server's peak memory (VmHWM) is read before and after: it must not grow by anything near the
body. Without credentials the answer is 401 before a byte of the body is read (malformed JSON
too: 401, not 422); with them, 413 once the body passes FRISPOR_MAX_BODY_BYTES.
"""

from __future__ import annotations

import json
import select
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.api.scenario import decision
from tests.faults.support import Callers, ServerProcess

MIB = 1 << 20
BODY = 200 * MIB
LIMIT = 256_000  # the default FRISPOR_MAX_BODY_BYTES
# Far below the 200 MiB sent: what the server may grow by (a few requests' worth of buffers).
ALLOWED_GROWTH = 40 * MIB


@dataclass
class Sent:
    """What a chunked upload sent before the answer came, and the answer."""

    bytes_sent: int
    status: int
    body: dict[str, Any]


def peak_memory(pid: int) -> int:
    """The process's peak resident memory (VmHWM), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc: not Linux?")


def chunked_post(port: int, path: str, chunks: Iterator[bytes], headers: dict[str, str]) -> Sent:
    """POST `chunks` chunked over a raw socket, stopping as soon as the server answers."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    try:
        head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Transfer-Encoding: chunked"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        sent = 0
        for chunk in chunks:
            if select.select([sock], [], [], 0)[0]:
                break  # the answer is there: stop sending, as a client reading it would
            try:
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                break
            sent += len(chunk)
        else:
            sock.sendall(b"0\r\n\r\n")
        return Sent(sent, *read_answer(sock))
    finally:
        sock.close()


def read_answer(sock: socket.socket) -> tuple[int, dict[str, Any]]:
    data = b""
    while b"\r\n\r\n" not in data:
        more = sock.recv(65536)
        assert more, f"the connection closed without an answer: {data!r}"
        data += more
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    fields = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(fields.get("content-length", "0"))
    while len(rest) < length:
        more = sock.recv(65536)
        assert more, "the connection closed in the middle of the answer"
        rest += more
    return int(lines[0].split()[1]), json.loads(rest[:length]) if length else {}


def filler(prefix: bytes, total: int) -> Iterator[bytes]:
    """`prefix`, then MiB chunks of 'a' up to `total` bytes (a JSON string never closed)."""
    yield prefix
    for _ in range(total // MIB):
        yield b"a" * MIB


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[tuple[ServerProcess, Callers]]:
    callers = Callers.mint()
    with ServerProcess(database_url, callers, tmp_path) as served:
        with httpx2.Client(base_url=served.url, timeout=30) as client:  # warm every path once
            for _ in range(3):
                client.get("/trials", headers={"Authorization": f"Bearer {callers.tokens['oim']}"})
                client.post(
                    "/programmes", content=b"{}", headers={"Content-Type": "application/json"}
                )
        yield served, callers


def test_an_unauthenticated_chunked_body_is_refused_before_it_is_read(
    server: tuple[ServerProcess, Callers],
) -> None:
    served, _ = server
    before = peak_memory(served.pid)
    sent = chunked_post(
        served.port,
        "/programmes",
        filler(b'{"name": "', BODY),
        {"Content-Type": "application/json"},
    )
    grown = peak_memory(served.pid) - before
    print(
        f"\nunauthenticated 200 MiB chunked: {sent.status} after {sent.bytes_sent} bytes sent; "
        f"server peak grew {grown / MIB:.1f} MiB"
    )
    assert sent.status == 401, sent
    assert sent.body["rule"] == "authentication"
    assert grown < ALLOWED_GROWTH, f"the server grew by {grown / MIB:.0f} MiB"


def test_an_authenticated_chunked_body_stops_at_the_limit(
    server: tuple[ServerProcess, Callers],
) -> None:
    served, callers = server
    before = peak_memory(served.pid)
    sent = chunked_post(
        served.port,
        "/programmes",
        filler(b'{"name": "', BODY),
        {"Content-Type": "application/json", "Authorization": f"Bearer {callers.tokens['oim']}"},
    )
    grown = peak_memory(served.pid) - before
    print(
        f"\nauthenticated 200 MiB chunked: {sent.status} after {sent.bytes_sent} bytes sent; "
        f"server peak grew {grown / MIB:.1f} MiB"
    )
    assert sent.status == 413, sent
    assert (sent.body["rule"], sent.body["status"]) == ("body-size", 413)
    assert grown < ALLOWED_GROWTH, f"the server grew by {grown / MIB:.0f} MiB"
    assert sent.bytes_sent < BODY, "the server read the whole body before answering"
    with httpx2.Client(base_url=served.url, timeout=30) as client:
        assert client.get("/health").status_code == 200  # and it serves on


def test_a_chunked_body_within_the_limit_is_recorded(
    server: tuple[ServerProcess, Callers],
) -> None:
    served, callers = server
    body = decision(
        "2019-01-01",
        name="Frikommuneforsøg III",
        kind="frikommune",
        enabling_act={"act": "eli/lta/2017/658", "path": "§ 1"},
        period={"start": "2019-01-01", "end": "2022-12-31"},
        ministry="Økonomi- og Indenrigsministeriet",
        protected_categories=["magtanvendelse"],
    )
    data = json.dumps(body).encode()
    pieces = iter([data[:10], data[10:100], data[100:]])
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {callers.tokens['oim']}",
    }
    sent = chunked_post(served.port, "/programmes", pieces, headers)
    assert sent.status == 201, sent


def test_malformed_json_without_credentials_is_401_not_422(
    server: tuple[ServerProcess, Callers],
) -> None:
    served, callers = server
    with httpx2.Client(base_url=served.url, timeout=30) as client:
        plain = {"Content-Type": "application/json"}
        anonymous = client.post("/programmes", content=b'{"name": ', headers=plain)
        assert anonymous.status_code == 401, anonymous.text
        assert anonymous.headers["www-authenticate"] == "Bearer"
        wrong = client.post(
            "/programmes", content=b'{"name": ', headers=plain | {"Authorization": "Bearer nope"}
        )
        assert wrong.status_code == 401, wrong.text
        token = {"Authorization": f"Bearer {callers.tokens['oim']}"}
        known = client.post("/programmes", content=b'{"name": ', headers=plain | token)
        assert known.status_code == 422, known.text  # a known caller learns what is wrong
