"""The bundled sentence model as an ONNX Runtime graph: exported locally on first use, cached by weights hash.

Nothing is downloaded: the graph is traced from the local weights with `torch.onnx.export` (the dynamo
exporter; the legacy TorchScript exporter mis-traces BERT's padding mask in current transformers) and, for
`int8`, dynamically quantised with onnxruntime's own quantiser. Mean pooling and L2 normalisation are part
of the graph, so a forward pass returns the sentence vectors directly.

Cache layout: `<cache>/<weights sha256 prefix>/model-<quantization>.onnx` plus `export.json` (how it was
made). Files are written to a temporary sibling and renamed, so a killed export leaves no half file.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ingest.errors import ModelError

Quantization = Literal["none", "int8"]
OPSET = 18
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# Only the MatMul weights are quantised: quantising the embedding Gather too costs ~5 points of cosine.
QUANTIZED_OPS = ["MatMul"]


def default_cache_dir() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "citeqa" / "onnx"


def _check_mean_pooling(folder: Path) -> None:
    """The graph hard-codes mean pooling + normalisation; refuse a model that is built otherwise."""
    modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
    kinds = [module["type"].rsplit(".", 1)[-1] for module in modules]
    pooling_files = [folder / m["path"] / "config.json" for m in modules if m["type"].endswith("Pooling")]
    pooling = json.loads(pooling_files[0].read_text(encoding="utf-8")) if pooling_files else {}
    if kinds[:2] != ["Transformer", "Pooling"] or not pooling.get("pooling_mode_mean_tokens"):
        raise ModelError(f"the ONNX backend supports mean-pooling sentence-transformers models; {folder} is {kinds}")


def max_seq_length(folder: Path) -> int:
    config = folder / "sentence_bert_config.json"
    return int(json.loads(config.read_text(encoding="utf-8")).get("max_seq_length", 512)) if config.is_file() else 512


def _export_fp32(folder: Path, target: Path) -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer

    class Pooled(torch.nn.Module):
        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    model = AutoModel.from_pretrained(str(folder), local_files_only=True).eval()
    sample = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)(
        ["a short one", "a somewhat longer sample sentence"], padding=True, return_tensors="pt"
    )
    axes = {name: {0: "batch", 1: "sequence"} for name in INPUTS} | {"sentence_embedding": {0: "batch"}}
    with _quiet():
        torch.onnx.export(
            Pooled(model),
            tuple(sample[name] for name in INPUTS),
            str(target),
            input_names=list(INPUTS),
            output_names=["sentence_embedding"],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=True,
            external_data=False,
        )


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """The exporter narrates every step on stdout and logs warnings about optional packages (torchvision,
    pre-processing) that do not apply to a text model: keep a one-time export from flooding the CLI."""
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.disable(previous)


def _quantize(source: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with _quiet():
        quantize_dynamic(
            source, target, weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=QUANTIZED_OPS
        )


def _write_atomically(target: Path, make: Any) -> None:
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        make(temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def exported_graph(folder: Path, sha256: str, *, cache_dir: Path, quantization: Quantization) -> Path:
    """Path of the cached ONNX graph for these weights, exporting (and quantising) it first if needed."""
    _check_mean_pooling(folder)
    home = cache_dir / sha256[:16]
    fp32 = home / "model-fp32.onnx"
    wanted = fp32 if quantization == "none" else home / f"model-{quantization}.onnx"
    if wanted.is_file():
        return wanted
    home.mkdir(parents=True, exist_ok=True)
    try:
        if not fp32.is_file():
            _write_atomically(fp32, lambda path: _export_fp32(folder, path))
        if wanted != fp32:
            _write_atomically(wanted, lambda path: _quantize(fp32, path))
    except (ImportError, RuntimeError, OSError, ValueError) as error:
        raise ModelError(f"could not export {folder} to ONNX in {home}: {error}") from error
    _record_export(home, sha256)
    return wanted


def _record_export(home: Path, sha256: str) -> None:
    from importlib import metadata

    about = {"weights_sha256": sha256, "opset": OPSET, "quantized_ops": QUANTIZED_OPS}
    about |= {name: metadata.version(name) for name in ("torch", "transformers", "onnx", "onnxruntime")}
    (home / "export.json").write_text(json.dumps(about, indent=2, sort_keys=True) + "\n", encoding="utf-8")


class OnnxSentenceModel:
    """Tokeniser + ONNX Runtime session with the small part of SentenceTransformer's interface we use."""

    def __init__(self, folder: Path, graph: Path, *, threads: int | None = None) -> None:
        import onnxruntime as ort
        from transformers import AutoTokenizer

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        if threads:
            options.intra_op_num_threads = threads
        try:
            self.session = ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
        except Exception as error:  # onnxruntime raises its own Fail/InvalidGraph types
            raise ModelError(f"could not load {graph} ({error}); delete that file to export it again") from error
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        self.max_seq_length = max_seq_length(folder)
        self.dimension = int(self.session.get_outputs()[0].shape[-1])

    def encode(
        self,
        sentences: list[str],
        *,
        batch_size: int = 64,
        normalize_embeddings: bool = True,
        convert_to_numpy: bool = True,
        show_progress_bar: bool = False,
    ) -> np.ndarray:
        """Vectors in input order. Longest first, as sentence-transformers does, so batches pad little."""
        del normalize_embeddings, convert_to_numpy, show_progress_bar  # the graph always normalises
        order = sorted(range(len(sentences)), key=lambda i: -len(sentences[i]))
        result = np.zeros((len(sentences), self.dimension), dtype=np.float32)
        for begin in range(0, len(order), batch_size):
            chosen = order[begin : begin + batch_size]
            result[chosen] = self._forward([sentences[i] for i in chosen])
        return result

    def _forward(self, batch: list[str]) -> np.ndarray:
        tokens = self.tokenizer(
            batch, padding=True, truncation=True, max_length=self.max_seq_length, return_tensors="np"
        )
        feed = {name: np.asarray(tokens[name], dtype=np.int64) for name in INPUTS}
        return np.asarray(self.session.run(None, feed)[0], dtype=np.float32)
