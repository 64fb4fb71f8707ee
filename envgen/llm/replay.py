"""Record and replay provider responses, keyed by request hash, for reproducible runs and offline tests.

A cache is a folder of ``<request hash>.json`` files, each holding the request (for people reading it)
and the response. Malformed responses are recorded too, so a replayed run takes the same repair rounds
as the recorded one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from envgen.io import write_json_atomic
from envgen.llm.base import LLMRequest, LLMResponse, MalformedOutput, Provider, ProviderError

ReplayMode = Literal["record", "replay", "auto"]
MODES = ("record", "replay", "auto")


class ReplayMissError(ProviderError):
    """Replay-only mode found no recorded response for a request."""

    def __init__(self, request_hash: str, cache_dir: Path):
        self.request_hash = request_hash
        super().__init__(
            f"no recorded response for request {request_hash} in {cache_dir} (--replay-only); run once "
            "without --replay-only to record it (the prompt, goal, n, seed or model differ from the recording)"
        )


class ReplayProvider:
    """Wraps a provider: ``record`` always calls it and stores the answer, ``replay`` only reads the
    cache, ``auto`` reads the cache and calls the provider on a miss.

    ``inner`` may be None in replay mode; then ``name`` and ``model`` must be given (they resolve
    requests without a model, as the recorded provider did).
    """

    def __init__(
        self,
        inner: Provider | None,
        cache_dir: str | Path,
        mode: ReplayMode = "auto",
        *,
        name: str | None = None,
        model: str | None = None,
    ):
        if mode not in MODES:
            raise ValueError(f"replay mode must be one of {', '.join(MODES)}, got {mode!r}")
        if inner is None and (mode != "replay" or not model):
            raise ValueError("without an inner provider, use mode='replay' and give the model name")
        self.inner = inner
        self.cache_dir = Path(cache_dir)
        self.mode = mode
        self.name = name or (inner.name if inner is not None else "replay")
        self.model = model or inner.model  # type: ignore[union-attr]
        # the prompts differ for providers without tools, so a replay must build the same ones
        self.uses_tools = getattr(inner, "uses_tools", True)
        self.hits = 0
        self.recorded = 0

    def path_for(self, request_hash: str) -> Path:
        """Where the response of ``request_hash`` is (or would be) stored."""
        return self.cache_dir / f"{request_hash}.json"

    def complete(self, request: LLMRequest) -> LLMResponse:
        """Answer from the cache or from the inner provider, per the mode."""
        request = request.with_model(request.model or self.model)
        key = request.request_hash()
        path = self.path_for(key)
        if self.mode != "record" and path.exists():
            self.hits += 1
            return _raise_if_malformed(self._load(path, key))
        if self.mode == "replay":
            raise ReplayMissError(key, self.cache_dir)
        assert self.inner is not None
        try:
            response = self.inner.complete(request)
        except MalformedOutput as err:
            if err.response is not None:
                self._store(path, request, err.response)
            raise
        self._store(path, request, response)
        return response

    def _store(self, path: Path, request: LLMRequest, response: LLMResponse) -> None:
        entry = {"request": request.hash_payload(), "response": response.model_dump(mode="json")}
        write_json_atomic(path, entry)
        self.recorded += 1

    @staticmethod
    def _load(path: Path, key: str) -> LLMResponse:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            response = LLMResponse.model_validate(data["response"])
        except (ValueError, KeyError, TypeError) as err:
            raise ProviderError(f"{path}: unreadable replay entry ({err}); delete it to re-record") from err
        if response.request_hash != key:
            raise ProviderError(f"{path}: holds the response of request {response.request_hash}, not {key}")
        return response


def _raise_if_malformed(response: LLMResponse) -> LLMResponse:
    if response.malformed is not None:
        raise MalformedOutput(response.malformed, response)
    return response
