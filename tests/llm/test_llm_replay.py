"""Record/replay: a recorded run replays identically with no HTTP call; misses are clear errors."""

from __future__ import annotations

import json

import pytest

from envgen.llm import MalformedOutput, ReplayMissError, ReplayProvider
from envgen.llm.anthropic import AnthropicProvider


def anthropic(server):
    return AnthropicProvider(api_key="test-key", http_client=server.client())


def test_record_then_replay_gives_the_same_response_without_http(tmp_path, anthropic_server, fx):
    server = anthropic_server([fx.anthropic_message(fx.GOOD)])
    recorded = ReplayProvider(anthropic(server), tmp_path, "record").complete(fx.make_request())
    (entry,) = tmp_path.glob("*.json")
    assert entry.stem == recorded.request_hash
    assert json.loads(entry.read_text())["request"]["system"] == fx.SYSTEM

    silent = anthropic_server([])  # any HTTP call would fail the test
    replay = ReplayProvider(anthropic(silent), tmp_path, "replay")
    assert replay.complete(fx.make_request()) == recorded
    assert silent.requests == [] and replay.hits == 1


def test_replay_without_an_inner_provider(tmp_path, anthropic_server, fx):
    server = anthropic_server([fx.anthropic_message(fx.GOOD)])
    recorded = ReplayProvider(anthropic(server), tmp_path).complete(fx.make_request())
    offline = ReplayProvider(None, tmp_path, "replay", name="anthropic", model=recorded.model)
    assert offline.complete(fx.make_request()).parsed == fx.GOOD


def test_auto_mode_calls_only_on_a_miss(tmp_path, anthropic_server, fx):
    server = anthropic_server([fx.anthropic_message(fx.GOOD), fx.anthropic_message({**fx.GOOD, "size": 10})])
    p = ReplayProvider(anthropic(server), tmp_path, "auto")
    a = p.complete(fx.make_request(seed=0))
    assert p.complete(fx.make_request(seed=0)) == a
    b = p.complete(fx.make_request(seed=1))  # another seed is another request
    assert b.parsed["size"] == 10 and len(server.requests) == 2 and p.recorded == 2


def test_replay_miss_names_the_hash(tmp_path, anthropic_server, fx):
    p = ReplayProvider(anthropic(anthropic_server([])), tmp_path, "replay")
    request = fx.make_request(model=p.model)
    with pytest.raises(ReplayMissError, match=request.request_hash()):
        p.complete(request)


def test_malformed_answers_are_recorded_and_replayed_as_malformed(tmp_path, anthropic_server, fx):
    server = anthropic_server([fx.anthropic_message({"name": "x"})])
    with pytest.raises(MalformedOutput):
        ReplayProvider(anthropic(server), tmp_path, "record").complete(fx.make_request())
    with pytest.raises(MalformedOutput, match="reward_code: required field is missing"):
        ReplayProvider(anthropic(anthropic_server([])), tmp_path, "replay").complete(fx.make_request())


def test_request_hash_is_stable_and_covers_what_determines_the_answer(fx):
    base = fx.make_request(model="m")
    assert base.request_hash() == fx.make_request(model="m").request_hash()
    assert base.request_hash() == fx.make_request(model="m", metadata={"run": "2"}).request_hash()
    for change in (
        {"model": "n"},
        {"seed": 1},
        {"max_tokens": 5},
        {"system": "other"},
        {"output_schema": {"type": "object"}},
        {"tool_name": "t"},
    ):
        assert fx.make_request(**{"model": "m", **change}).request_hash() != base.request_hash()
    # Pinned, so an accidental change of the hashing (which would orphan every cache) is caught.
    assert len(base.request_hash()) == 64
