"""Hostile OpenAI-compatible servers: each test is named after the attack and must end in a clear error."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest

from envgen.llm import LLMRequest, MalformedOutput, ProviderError
from envgen.llm.openai_compat import OpenAICompatProvider
from envgen.llm.structured import MAX_NESTING, extract_json_object, problem_with

TRICKLE_EVERY_S = 0.2  # well under the per-read timeout, so only a wall-clock deadline can stop it
DEADLINE_S = 1.0


class TrickleServer:
    """A loopback HTTP server that sends ``head`` then ``body`` one byte at a time, forever if asked."""

    def __init__(self, trickle_headers: bool):
        self.trickle_headers = trickle_headers
        self.stop = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/v1"
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    conn.recv(65536)  # the request; its content does not matter
                    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
                    if not self.trickle_headers:
                        conn.sendall(head)
                        head = b""
                    for byte in head + b"{" + b" " * 100000:
                        if self.stop.wait(TRICKLE_EVERY_S):
                            return
                        conn.sendall(bytes([byte]))
                except OSError:
                    continue

    def __enter__(self) -> TrickleServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(5)
        self.sock.close()


@pytest.mark.parametrize("trickle_headers", [False, True], ids=["body", "headers"])
def test_trickling_server_hits_the_wall_clock_deadline(trickle_headers):
    with TrickleServer(trickle_headers) as server:
        provider = OpenAICompatProvider("m", base_url=server.url, max_retries=0, timeout_s=DEADLINE_S)
        started = time.monotonic()
        with pytest.raises(ProviderError, match=r"no complete answer within timeout_s=1 s") as info:
            provider.complete(LLMRequest.ask("s", "u", {"type": "object"}))
        elapsed = time.monotonic() - started
    assert elapsed < DEADLINE_S + 1.5, f"the call took {elapsed:.1f} s against a {DEADLINE_S} s deadline"
    assert "\n" not in str(info.value) and server.url in str(info.value)


def provider(server):
    return OpenAICompatProvider("llama3.1:8b", base_url="http://gpu-box:8000/v1", http_client=server.client())


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ([{"choices": []}], "expected a JSON object, got an array"),
        ("hello", "expected a JSON object, got a string"),
        (42, "expected a JSON object, got a number"),
        (True, "expected a JSON object, got a boolean"),
        ({"choices": {"0": {}}}, "'choices' is an object, not an array"),
        ({"choices": [["x"]]}, "'choices[0]' is an array, not an object"),
        ({"choices": [{"message": "hi"}]}, "'choices[0].message' is a string, not an object"),
        ({"choices": [{"message": {"content": {"a": 1}}}]}, "'choices[0].message.content' is an object"),
        ({"choices": [], "usage": [1]}, "'usage' is an array, not an object"),
        ({"choices": [], "usage": {"prompt_tokens": "900"}}, "'usage.prompt_tokens' is '900', not a token count"),
        ({"choices": [], "usage": {"completion_tokens": -5}}, "'usage.completion_tokens' is -5"),
    ],
    ids=["array", "string", "number", "boolean", "choices_object", "choice_array", "message_string",
         "content_object", "usage_array", "usage_string_count", "usage_negative"],
)
def test_http_200_whose_body_is_not_a_completion_is_a_provider_error(openai_server, fx, body, expected):
    server = openai_server([body])
    with pytest.raises(ProviderError) as info:
        provider(server).complete(fx.make_request())
    assert not isinstance(info.value, MalformedOutput)
    message = str(info.value)
    assert "http://gpu-box:8000/v1/chat/completions: the server's reply is not a chat completion" in message
    assert expected in message and "\n" not in message


def test_answer_nested_100000_deep_goes_to_the_repair_loop(openai_server, fx):
    deep = '{"name": ' * 100_000 + "1" + "}" * 100_000
    server = openai_server([fx.openai_completion(deep)])
    with pytest.raises(MalformedOutput) as info:
        provider(server).complete(fx.make_request())
    assert f"nests deeper than {MAX_NESTING} levels" in info.value.reason
    assert info.value.response.raw_text == deep


def test_array_nested_100000_deep_inside_an_object_is_refused_quickly():
    text = '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}"
    started = time.monotonic()
    with pytest.raises(ValueError, match="nests deeper than"):
        extract_json_object(text)
    assert time.monotonic() - started < 5


def test_answer_nested_just_past_the_limit_is_named_not_walked():
    # Decodable (the C decoder copes with a few hundred levels) but too deep for the schema walk.
    obj: dict = {}
    for _ in range(500):
        obj = {"name": obj}
    assert problem_with(obj, fx_schema()) == (
        f"the answer's JSON nests deeper than {MAX_NESTING} levels; write a flat object that matches the schema")
    assert problem_with(json.loads(json.dumps({"name": "x"})), {"type": "object"}) is None


def fx_schema() -> dict:
    node = {"type": "object", "properties": {"name": {"$ref": "#"}}}
    return node


def test_reply_larger_than_the_cap_is_refused_not_buffered(openai_server, fx, monkeypatch):
    from envgen.llm import openai_compat

    monkeypatch.setattr(openai_compat, "MAX_REPLY_BYTES", 10_000)
    server = openai_server([fx.openai_completion("x" * 20_000)])
    with pytest.raises(ProviderError, match=r"reply is larger than 10000 bytes") as info:
        provider(server).complete(fx.make_request())
    assert "\n" not in str(info.value)


def test_huge_token_count_is_not_echoed_in_full(openai_server, fx):
    server = openai_server([{"choices": [], "usage": {"prompt_tokens": "9" * 100_000}}])
    with pytest.raises(ProviderError, match="not a token count") as info:
        provider(server).complete(fx.make_request())
    assert len(str(info.value)) < 300
