"""The ONNX Runtime encoder: exported locally and offline, same vectors as torch in float32, close in int8,
and an index refuses a query-time backend whose vectors are not shown to be the same."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from ingest.encoder import Encoder, load_encoder
from ingest.errors import ModelError
from ingest.index import open_index
from ingest.manifest import check_model
from ingest.pipeline import ingest
from ingest.readers import read_inputs

pytestmark = pytest.mark.slow

TEXTS = [
    "Who commanded the CSTO peacekeeping contingent in Kazakhstan?",
    "x",
    "Tokayev said the mission had been accomplished and the troops would leave within ten days. " * 30,
]


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="module")
def onnx_encoder(onnx_cache: Path) -> Iterator[Encoder]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", _no_network)  # loading must not reach for any hub
        encoder = load_encoder(backend="onnx", cache_dir=onnx_cache)
    yield encoder


@pytest.fixture(scope="module")
def int8_encoder(onnx_cache: Path, onnx_encoder: Encoder) -> Encoder:
    return load_encoder(backend="onnx-int8", cache_dir=onnx_cache)


def _no_network(*args: object, **kwargs: object) -> None:
    raise OSError("network access during model loading")


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1)


def test_onnx_export_is_cached_under_the_weights_hash(onnx_encoder: Encoder, onnx_cache: Path) -> None:
    folder = onnx_cache / onnx_encoder.info.sha256[:16]
    graph = folder / "model-fp32.onnx"
    assert graph.is_file() and (folder / "export.json").is_file()
    before = graph.stat().st_mtime_ns
    load_encoder(backend="onnx", cache_dir=onnx_cache)
    assert graph.stat().st_mtime_ns == before  # loaded, not exported again
    assert not list(folder.glob("*.tmp"))


def test_onnx_float32_vectors_match_torch(encoder: Encoder, onnx_encoder: Encoder) -> None:
    ours, reference = onnx_encoder.encode(TEXTS), encoder.encode(TEXTS)
    assert ours.shape == reference.shape == (3, 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert cosines(ours, reference).min() >= 0.9999
    assert onnx_encoder.token_offsets("Hello world") == encoder.token_offsets("Hello world")
    assert (onnx_encoder.info.backend, onnx_encoder.info.quantization) == ("onnx", "none")


def test_int8_vectors_are_close_not_equal(encoder: Encoder, int8_encoder: Encoder) -> None:
    similarity = cosines(int8_encoder.encode(TEXTS), encoder.encode(TEXTS))
    assert similarity.min() >= 0.97, similarity
    assert int8_encoder.info.quantization == "int8"


def test_float32_backends_may_share_an_index(kz_index: Path, onnx_encoder: Encoder) -> None:
    index = open_index(kz_index)
    try:
        assert index.manifest["embedding_model"]["backend"] == "torch"
        check_model(index.manifest, onnx_encoder.info, kz_index)  # probe cosine >= 0.999: allowed
    finally:
        index.close()


def test_int8_and_float32_refuse_each_other(
    kz_index: Path, encoder: Encoder, int8_encoder: Encoder, tmp_path: Path, shared_dir: Path
) -> None:
    index = open_index(kz_index)
    try:
        with pytest.raises(ModelError, match="CITEQA_BACKEND=torch"):
            check_model(index.manifest, int8_encoder.info, kz_index)
    finally:
        index.close()
    built = tmp_path / "int8-index"
    one_file = sorted((shared_dir / "corpus" / "kazakhstan-2022").iterdir())[0]
    ingest(built, read_inputs([one_file]), encoder=int8_encoder)
    index = open_index(built)
    try:
        assert index.manifest["embedding_model"]["quantization"] == "int8"
        with pytest.raises(ModelError, match="holds onnx-int8 vectors"):
            check_model(index.manifest, encoder.info, built)
    finally:
        index.close()


def test_a_backend_change_without_probe_vectors_is_refused(encoder: Encoder, onnx_encoder: Encoder) -> None:
    manifest = {"embedding_model": {**encoder.info.as_manifest(), "probe": []}}
    with pytest.raises(ModelError, match="no probe vectors"):
        check_model(manifest, onnx_encoder.info, Path("old-index"))
    check_model(manifest, encoder.info, Path("old-index"))  # same backend: nothing to show
