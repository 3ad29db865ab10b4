"""Ingest throughput against the physical limit: the bare model encode of the very same texts (the passages
and, where the index keeps them, their sentences).

Every round ingests the corpus subset into a fresh index and encodes the same texts with the bare model,
alternating which goes first; the figures are medians over rounds. One extra run of `citeqa ingest` in a
child process gives the peak memory of a real ingest.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ingest import sentence_vectors
from ingest.encoder import Backend, Encoder, load_encoder
from ingest.passages import chunk_document, chunking_of, embedding_texts
from ingest.pipeline import ingest
from ingest.readers import read_inputs
from ingest.records import SourceDocument
from service.bench_stats import directory_mb, median, timed, wait_peak_rss_mb


def write_subset(corpus: Path, target: Path, *, limit_docs: int | None) -> Path:
    """The first `limit_docs` lines of a JSONL corpus, as its own file (the child ingest reads it too)."""
    with corpus.open(encoding="utf-8") as source, target.open("w", encoding="utf-8") as out:
        out.writelines(itertools.islice(source, limit_docs))
    return target


def documents(subset: Path) -> list[SourceDocument]:
    return [item for item in read_inputs([subset]) if isinstance(item, SourceDocument)]


def encoded_texts(
    docs: Sequence[SourceDocument], encoder: Encoder, manifest: dict[str, Any]
) -> tuple[list[str], list[str]]:
    """Exactly the texts ingest hands the encoder: each chunk with its title prefix, and (when the index keeps
    sentence vectors) each distinct sentence of the chunks."""
    settings, title_tokens = chunking_of(manifest)
    chunked = [(doc, "", chunk_document(doc, encoder, settings, title_max_tokens=title_tokens)) for doc in docs]
    texts = [chunk.text for _, _, chunks in chunked for chunk in chunks]
    sentences = sentence_vectors.sentences_to_embed(texts) if sentence_vectors.stored_in(manifest) else []
    return embedding_texts(chunked, encoder, manifest), sentences


def _bare_encode(encoder: Encoder, texts: tuple[list[str], list[str]]) -> None:
    """The model alone, over the passages and then the sentences, as ingest runs them (two encode calls)."""
    for batch in texts:
        if batch:
            encoder.model.encode(batch, batch_size=encoder.batch_size, normalize_embeddings=True, convert_to_numpy=True)


def _round(
    encoder: Encoder,
    docs: list[SourceDocument],
    texts: tuple[list[str], list[str]],
    target: Path,
    *,
    bare_first: bool,
    sentence_vectors_stored: bool,
) -> dict:
    shutil.rmtree(target, ignore_errors=True)
    figures: dict[str, float] = {}
    for step in ("bare", "ingest") if bare_first else ("ingest", "bare"):
        with timed() as watch:
            if step == "bare":
                _bare_encode(encoder, texts)
            else:
                ingest(target, docs, encoder=encoder, sentence_vectors_stored=sentence_vectors_stored)
        figures[f"{step}_wall"], figures[f"{step}_cpu"] = watch.wall, watch.cpu
    return figures


def measure_backend(
    encoder: Encoder, subset: Path, workdir: Path, *, repeats: int, sentence_vectors_stored: bool = True
) -> dict[str, Any]:
    docs = documents(subset)
    target = workdir / f"ingest-{encoder.info.backend}-{encoder.info.quantization}"
    # warm-up; also gives the manifest the passage texts follow
    ingest(target, docs, encoder=encoder, sentence_vectors_stored=sentence_vectors_stored)
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    texts = encoded_texts(docs, encoder, manifest)
    with timed() as chunking:
        encoded_texts(docs, encoder, manifest)
    rounds = [
        _round(encoder, docs, texts, target, bare_first=r % 2 == 0, sentence_vectors_stored=sentence_vectors_stored)
        for r in range(repeats)
    ]
    n = len(texts[0])

    def rate(key: str) -> float:
        return round(n / median([r[key] for r in rounds]), 1)

    result = {
        "documents": len(docs),
        "passages": n,
        "sentences_embedded": len(texts[1]),
        "rounds": repeats,
        "ingest_passages_per_s": rate("ingest_wall"),
        "bare_encode_passages_per_s": rate("bare_wall"),
        "ingest_passages_per_cpu_s": rate("ingest_cpu"),
        "bare_encode_passages_per_cpu_s": rate("bare_cpu"),
        "chunking_s": round(chunking.wall, 2),
        "index_mb": directory_mb(target),
        "index_mb_per_1k_passages": round(directory_mb(target) * 1000 / max(n, 1), 2),
    }
    result["ratio_wall"] = round(result["ingest_passages_per_s"] / result["bare_encode_passages_per_s"], 3)
    result["ratio_cpu"] = round(result["ingest_passages_per_cpu_s"] / result["bare_encode_passages_per_cpu_s"], 3)
    return result


def child_ingest_rss(subset: Path, target: Path, *, backend: Backend, sentence_vectors: bool = True) -> dict[str, Any]:
    """Peak RSS of a real `citeqa ingest` of the subset, in its own process."""
    shutil.rmtree(target, ignore_errors=True)
    env = {
        **os.environ,
        "CITEQA_BACKEND": backend,
        "CITEQA_LOG_LEVEL": "WARNING",
        "CITEQA_SENTENCE_VECTORS": "1" if sentence_vectors else "0",
    }
    command = [sys.executable, "-m", "service.cli", "ingest", str(subset), "--index", str(target)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    code, peak = wait_peak_rss_mb(process.pid)
    return {"exit_code": code, "peak_rss_mb": peak}


def run(
    corpus: Path,
    workdir: Path,
    *,
    limit_docs: int | None,
    backends: Sequence[Backend],
    repeats: int,
    sentence_vectors: bool = True,
) -> dict[str, Any]:
    subset = write_subset(corpus, workdir / "corpus-subset.jsonl", limit_docs=limit_docs)
    results: dict[str, Any] = {}
    for backend in backends:
        encoder = load_encoder(backend=backend)
        results[backend] = measure_backend(
            encoder, subset, workdir, repeats=repeats, sentence_vectors_stored=sentence_vectors
        )
        results[backend] |= child_ingest_rss(
            subset, workdir / f"child-{backend}", backend=backend, sentence_vectors=sentence_vectors
        )
        del encoder
    base = results.get("torch", {}).get("ingest_passages_per_s")
    for figures in results.values():
        if base:
            figures["ingest_speedup_vs_torch"] = round(figures["ingest_passages_per_s"] / base, 2)
    return results
