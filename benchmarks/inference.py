"""Per-study inference latency of lite and standard chest CT models: PyTorch eager vs onnxruntime.

Prints one markdown table of median wall-clock and CPU seconds after warm-up. Rows cover reading a 300-slice DICOM folder,
preprocessing to the chest-ct grid (96x192x192), the model with each engine variant, and a whole prediction.
Model rows also give the peak resident memory while the model ran. "Uncached" clears the preprocessing
cache but not the operating system's file cache, so disk reads are not included. The models have full
ResNet-18 widths (64-512) and random weights, because latency does not depend on the weights.

Usage: ``nice -n 10 python benchmarks/inference.py [--repeats 3] [--threads N] [--profiles lite standard]``
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np
import psutil
import torch


class PeakMemory:
    """Sample this process's resident set size every 10 ms and keep the maximum (MiB)."""

    def __enter__(self):
        self.peak = psutil.Process().memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        process = psutil.Process()
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, process.memory_info().rss)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    @property
    def mib(self) -> float:
        return self.peak / 2**20


class Timing(NamedTuple):
    """Median wall-clock and process CPU seconds of one step."""

    wall: float
    cpu: float

    def cells(self) -> tuple[str, str]:
        return f"{self.wall:.3f}", f"{self.cpu:.3f}"


def median_time(function, repeats: int, warmup: int = 1) -> Timing:
    """Time ``function`` after ``warmup`` calls. CPU seconds include all of this process's threads.

    CPU time is less sensitive than wall time to other processes on a busy machine, but it also counts
    threads that spin while waiting (onnxruntime and OpenMP both do).
    """
    for _ in range(warmup):
        function()
    walls, cpus = [], []
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        function()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - started_cpu)
    return Timing(statistics.median(walls), statistics.median(cpus))


def make_model_folder(root: Path, profile: str) -> Path:
    from greenrfm_core.inference import export_model_folder
    from greenrfm_core.modelfolder import save_model_folder
    from greenrfm_core.models import ArchitectureConfig, TextEncoderConfig, build_model
    from greenrfm_core.preprocess import load_spec
    from greenrfm_core.schemas import load_schema

    schema = load_schema("chest-ct")
    config = ArchitectureConfig(
        profile=profile, num_findings=len(schema.findings), text=TextEncoderConfig(kind="none")
    )
    model = build_model(config).eval()
    folder = save_model_folder(
        root / profile, model, config, schema, load_spec("chest-ct"), provenance={"synthetic": True}
    )
    export_model_folder(folder)
    return folder


def onnx_variant(
    folder: Path, level: str, threads: int, file_name: str = "model.onnx", spinning: bool = True
):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, level)
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    if not spinning:
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = ort.InferenceSession(str(folder / file_name), options, providers=["CPUExecutionProvider"])
    return lambda x: session.run(None, {"image": x})


def torch_variant(folder: Path, channels_last: bool):
    from greenrfm_core.modelfolder import load_model_folder

    model = load_model_folder(folder, "cpu", with_text=False).model
    if channels_last:
        model = model.to(memory_format=torch.channels_last_3d)

    def run(x):
        tensor = torch.from_numpy(x)
        if channels_last:
            tensor = tensor.contiguous(memory_format=torch.channels_last_3d)
        with torch.inference_mode():
            return model.image_forward(tensor)

    return run


def small_phantom_inputs(spec: dict, seeds: range) -> list[np.ndarray]:
    """Preprocess small chest phantoms (same field of view as full size) to the model grid, (1, 1, Z, Y, X)."""
    from greenrfm_core.phantom.chest import render_chest_ct
    from greenrfm_core.phantom.chest_anatomy import ChestPatient
    from greenrfm_core.preprocess import preprocess_volume

    inputs = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        findings = {"pleural_effusion"} if seed % 2 else set()
        volume, _ = render_chest_ct(ChestPatient.sample(rng), findings, rng, size="small")
        inputs.append(preprocess_volume(volume, spec)[None, None].astype(np.float32))
    return inputs


def quantised_row(folder: Path, profile: str, spec: dict, x: np.ndarray, threads: int, repeats: int):
    """Quantise to int8 on 4 phantoms, time it, and compare its probabilities with float32 on 8 others."""
    from greenrfm_core.inference.quantize import INT8_ONNX_FILE, quantize_model_folder

    quantize_model_folder(folder, ({"image": item} for item in small_phantom_inputs(spec, range(4))))
    float_run = onnx_variant(folder, "ORT_ENABLE_ALL", threads)
    int8_run = onnx_variant(folder, "ORT_ENABLE_ALL", threads, INT8_ONNX_FILE)
    with PeakMemory() as memory:
        seconds = median_time(lambda: int8_run(x), repeats)
    differences = []
    for item in small_phantom_inputs(spec, range(100, 108)):
        float_probability = 1 / (1 + np.exp(-float_run(item)[0]))
        int8_probability = 1 / (1 + np.exp(-int8_run(item)[0]))
        differences.append(float(np.abs(float_probability - int8_probability).max()))
    name = f"model: onnxruntime int8 QDQ (max abs probability change {max(differences):.4f})"
    return (name, profile, *seconds.cells(), f"{memory.mib:.0f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per figure after one warm-up")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (default: physical cores)")
    parser.add_argument(
        "--profiles",
        nargs="+",
        default=["lite", "standard"],
        help="model profiles to measure (lite, standard)",
    )
    parser.add_argument(
        "--whole-prediction",
        nargs="*",
        default=["lite"],
        help="profiles to time whole predictions for (reading, preprocessing and model together)",
    )
    args = parser.parse_args()

    from greenrfm_core.inference.engines import physical_cores

    threads = args.threads or physical_cores()
    torch.set_num_threads(threads)
    root = Path(tempfile.mkdtemp(prefix="inference-benchmark-"))
    os.environ["GREENRFM_HOME"] = str(root / "home")

    print(
        f"Machine: {platform.processor() or platform.machine()}, {psutil.cpu_count(logical=False)} physical / "
        f"{psutil.cpu_count()} logical cores, {psutil.virtual_memory().total / 2**30:.0f} GiB RAM; "
        f"torch {torch.__version__}, threads {threads}; median of {args.repeats} after 1 warm-up"
    )
    print()
    print("| step | profile | median wall s | median CPU s | peak RSS MiB |")
    print("|---|---|---|---|---|", flush=True)

    try:
        run_benchmark(args, threads, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


def run_benchmark(args: argparse.Namespace, threads: int, root: Path) -> None:
    """Measure every step and print each table row as soon as it is known."""
    from greenrfm_core.inference import Predictor
    from greenrfm_core.io import load_study, write_dicom_series
    from greenrfm_core.phantom.chest import render_chest_ct
    from greenrfm_core.phantom.chest_anatomy import ChestPatient
    from greenrfm_core.preprocess import cache, load_spec, preprocess_study, preprocess_volume

    rng = np.random.default_rng(0)
    volume, _ = render_chest_ct(ChestPatient.sample(rng), {"pleural_effusion"}, rng, size="full")
    dicom_dir = root / "study"
    write_dicom_series(volume, dicom_dir, modality="CT")
    spec = load_spec("chest-ct")

    def emit(row: tuple[str, ...]) -> None:
        print("| " + " | ".join(row) + " |", flush=True)

    load_s = median_time(lambda: load_study(dicom_dir), args.repeats)
    loaded = load_study(dicom_dir)
    preprocess_s = median_time(lambda: preprocess_volume(loaded, spec), args.repeats)
    emit(("read DICOM folder (300 slices 512x512)", "-", *load_s.cells(), "-"))
    emit(("preprocess to 96x192x192", "-", *preprocess_s.cells(), "-"))

    x = preprocess_volume(loaded, spec)[None, None].astype(np.float32)
    for profile in args.profiles:
        folder = make_model_folder(root, profile)
        variants = {
            "torch eager": lambda folder=folder: torch_variant(folder, channels_last=False),
            "torch eager channels-last": lambda folder=folder: torch_variant(folder, channels_last=True),
            "onnxruntime ORT_ENABLE_ALL": lambda folder=folder: onnx_variant(
                folder, "ORT_ENABLE_ALL", threads
            ),
            "onnxruntime ORT_ENABLE_ALL, no thread spinning": lambda folder=folder: onnx_variant(
                folder, "ORT_ENABLE_ALL", threads, spinning=False
            ),
            "onnxruntime ORT_ENABLE_BASIC": lambda folder=folder: onnx_variant(
                folder, "ORT_ENABLE_BASIC", threads
            ),
        }
        for name, make in variants.items():
            run = make()
            with PeakMemory() as memory:
                seconds = median_time(lambda run=run: run(x), args.repeats)
            emit((f"model: {name}", profile, *seconds.cells(), f"{memory.mib:.0f}"))
        emit(quantised_row(folder, profile, spec, x, threads, args.repeats))
        if profile not in args.whole_prediction:
            continue
        for engine in ("torch", "onnx", "onnx-int8"):
            quantized = engine == "onnx-int8"
            predictor = Predictor(
                folder,
                engine="onnx" if quantized else engine,
                device="cpu",
                threads=threads,
                quantized=quantized,
            )
            preprocess_study(dicom_dir, spec)  # fill the preprocessing cache
            cached = median_time(lambda predictor=predictor: predictor.predict(dicom_dir), args.repeats)
            emit((f"whole prediction, cached preprocessing ({engine})", profile, *cached.cells(), "-"))

            def cold(predictor=predictor):
                shutil.rmtree(cache.cache_root())
                predictor.predict(dicom_dir)

            emit(
                (
                    f"whole prediction, uncached DICOM folder ({engine})",
                    profile,
                    *median_time(cold, args.repeats).cells(),
                    "-",
                )
            )

    return 0


if __name__ == "__main__":
    raise SystemExit(main())
