"""A whole training run: set-up, the MUST stages in order, evaluation, model folders and exit codes.

Run folder layout::

    RUN_DIR/
      run.json                 run manifest: task, schema, spec, profile, plan, seed, software, data fingerprint
      tokenizer.json           WordPiece tokenizer of a scratch text encoder
      <stage>/checkpoints/     step-NNNNNNNN.safetensors + .json
      <stage>/metrics.jsonl    validation metrics per epoch
      <stage>/stage.json       stage manifest; ``completed`` marks a finished stage for --resume
      <stage>/model/           model folder after the stage
      model/                   model folder of the last stage (plus model.onnx when export succeeds)
"""

from __future__ import annotations

import logging
import platform
from collections.abc import Callable
from pathlib import Path

import torch
from safetensors.torch import load_file
from torch.nn.parallel import DistributedDataParallel

import greenrfm_core
from greenrfm_core.data.dataset import StudyDataset
from greenrfm_core.device import device_info, resolve_device
from greenrfm_core.training.atomic import write_json_atomic
from greenrfm_core.training.config import DEFAULT_LR, PRETRAINED_TEXT_LR_SCALE, TrainConfig
from greenrfm_core.training.distributed import (
    DistributedInfo,
    init_distributed,
    shutdown_distributed,
    wait_for_all_ranks,
)
from greenrfm_core.training.evaluate_stage import evaluate_stage, write_metrics_line
from greenrfm_core.training.events import EventWriter
from greenrfm_core.training.loop import LoopSettings, run_loop
from greenrfm_core.training.losses import positive_class_weights
from greenrfm_core.training.profiles import choose_profile, plan_batches
from greenrfm_core.training.setup import (
    Cohort,
    build_run_model,
    build_spec,
    expand_classifier,
    image_layout,
    input_shape_zyx,
    label_matrix,
    prepare_cohort,
    scratch_tokenizer,
)
from greenrfm_core.training.signals import TrainingControl
from greenrfm_core.training.stages import STAGE_ORDER_ALL, STAGES, MustForward, make_loss, set_trainable

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
# Bootstrap resamples for the confidence interval after a stage's last epoch; greenrfm evaluate uses 1000.
FINAL_BOOTSTRAP_RESAMPLES = 200


def stage_sequence(config: TrainConfig) -> list[str]:
    """Return the stages the run trains, in order."""
    if config.stage == "all":
        return list(STAGE_ORDER_ALL)
    if config.stage not in STAGES:
        raise ValueError(f"Invalid --stage {config.stage!r}; expected all, {', '.join(STAGES)}.")
    return [config.stage]


class _ForwardingEventWriter(EventWriter):
    """Event writer that also passes each written event record to a listener."""

    def __init__(self, target, append: bool, listener: Callable[[dict], None]) -> None:
        super().__init__(target, append=append)
        self._listener = listener

    def emit(self, event: str, **fields) -> dict:
        record = super().emit(event, **fields)
        self._listener(record)
        return record


def train(config: TrainConfig, control: TrainingControl | None = None,
          on_event: Callable[[dict], None] | None = None) -> int:
    """Run training as ``greenrfm train`` does and return the process exit code.

    Args:
        config: the run's settings.
        control: pause/stop control; defaults to one driven by POSIX signals.
        on_event: called with each event record (as written to ``--events``) on the main rank.

    Returns:
        0 on success or after a SIGTERM stop (checkpoint saved), 130 after SIGINT, 1 on an error (also sent
        as an ``error`` event).
    """
    from greenrfm_core.io.errors import StudyLoadError

    out = Path(config.out)
    out_existed = out.exists()
    control = control or TrainingControl().install()
    events: EventWriter | None = None
    try:
        device = resolve_device(config.device)
        dist_info, device = init_distributed(device)
        target = config.events if dist_info.is_main else None
        if on_event is not None and dist_info.is_main:
            events = _ForwardingEventWriter(target, config.resume, on_event)
        else:
            events = EventWriter(target, append=config.resume)
        return _train(config, control, device, dist_info, events)
    except (StudyLoadError, OSError, ValueError) as error:
        # Bad input (no matching study, a labels file without finding columns, an unavailable device) is
        # reported in one line; -v adds the traceback.
        logger.error("Training failed: %s", error)
        logger.debug("Traceback of the training failure", exc_info=True)
        _emit_error(config, events, str(error))
        return EXIT_FAILED
    except Exception as error:
        logger.exception("Training failed")
        _emit_error(config, events, f"{type(error).__name__}: {error}")
        return EXIT_FAILED
    finally:
        if events is not None:
            events.close()
        control.uninstall()
        shutdown_distributed()
        _remove_if_new_and_empty(out, out_existed)


def _emit_error(config: TrainConfig, events: EventWriter | None, message: str) -> None:
    """Send an ``error`` event, opening the events output first when training failed before it was opened."""
    if events is not None:
        events.emit("error", message=message)
        return
    writer = EventWriter(config.events, append=config.resume)
    try:
        writer.emit("error", message=message)
    finally:
        writer.close()


def _remove_if_new_and_empty(out: Path, out_existed: bool) -> None:
    """Remove the run folder when this run created it and failed before writing anything into it."""
    if out_existed or not out.is_dir() or any(out.iterdir()):
        return
    try:
        out.rmdir()
    except OSError as error:
        logger.debug("Could not remove the empty run folder %s: %s", out, error)


def _train(config: TrainConfig, control: TrainingControl, device: torch.device, dist_info: DistributedInfo,
           events: EventWriter) -> int:
    from greenrfm_core.schemas import load_schema

    stages = stage_sequence(config)
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(config.seed)
    info = device_info(device)

    init_model = None
    if config.init is not None:
        from greenrfm_core.modelfolder import load_model_folder

        init_model = load_model_folder(config.init, device="cpu", with_text=stages != ["finetune"])
    elif "finetune" in stages:
        raise ValueError("--stage finetune needs --init MODEL_DIR, the model folder to start from.")

    schema = load_schema(config.task)
    spec = build_spec(config, schema, init_model.spec if init_model is not None else None)
    if init_model is not None and init_model.config.kind != image_layout(spec)["kind"]:
        raise ValueError(f"--init model {config.init} has a {init_model.config.kind} image encoder, but the "
                         f"spec {spec['task']!r} needs {image_layout(spec)['kind']}; pass a matching --spec.")
    events.emit("start", message=f"training {', '.join(stages)} on {info.name}",
                metrics={"device": info.to_dict(), "stages": stages})
    cohort = prepare_cohort(config, schema, spec, events)
    needs_text = any(stage in ("text", "align") for stage in stages)
    if needs_text and not cohort.has_reports:
        if config.stage == "all":
            events.warning("Some training studies have no report text; training the vision stage only.")
            stages = ["vision"]
            needs_text = False
        else:
            raise ValueError(f"Stage {config.stage} needs report text for every study; pass --reports.")

    model, architecture, plan = _model_and_plan(config, schema, spec, cohort, device, info, dist_info,
                                                init_model, needs_text, events)
    model.to(device)
    run_manifest = {
        "task": schema.task,
        "schema": {"task": schema.task, "version": schema.version, "digest": schema.digest,
                   "finding_ids": schema.finding_ids},
        "preprocess": spec,
        "profile": architecture.profile,
        "architecture": architecture.to_dict(),
        "plan": plan.to_dict(),
        "seed": config.seed,
        "stages": stages,
        "settings": config.to_dict(),
        "software": _software_versions(),
        "device": info.to_dict(),
        "world_size": dist_info.world_size,
        "data": {"fingerprint": cohort.fingerprint(), **cohort.summary()},
    }
    if dist_info.is_main:
        write_json_atomic(out / "run.json", run_manifest)

    metrics: dict = {}
    for index, stage in enumerate(stages):
        stage_dir = out / stage
        stage_manifest = _read_stage_manifest(stage_dir) if config.resume else None
        if stage_manifest and stage_manifest.get("completed"):
            weights = load_file(str(stage_dir / "model" / "model.safetensors"))
            model.load_state_dict(weights, strict=False)
            metrics = stage_manifest.get("evaluation", {})
            events.emit("start", stage=stage, message=f"stage {stage} already completed; skipped on resume")
            continue
        after_vision = "vision" in stages[:index] or (init_model is not None and stage == "text")
        result, metrics = _run_stage(stage, config, model, architecture, schema, spec, cohort, plan, device,
                                     dist_info, events, control, after_vision)
        if result.stopped:
            return control.exit_code
        if dist_info.is_main:
            _save_model(stage_dir / "model", model, architecture, schema, spec, metrics, cohort, config)
            write_json_atomic(stage_dir / "stage.json", {
                "stage": stage, "completed": True, "steps": result.steps, "total_steps": result.total_steps,
                "micro_batch": result.micro_batch, "loss_history": result.loss_history,
                "metrics": metrics.get("manifest", {}), "evaluation": {key: metrics[key] for key in
                                                                     ("thresholds", "manifest", "summary") if key in metrics},
                "run": run_manifest,
            })
            events.emit("checkpoint", stage=stage, step=result.steps, total_steps=result.total_steps,
                        path=stage_dir / "model", message=f"stage {stage} finished; model folder saved")

    final_dir = out / "model"
    if dist_info.is_main:
        _save_model(final_dir, model, architecture, schema, spec, metrics, cohort, config)
        _export_onnx(final_dir, events)
        events.emit("done", path=final_dir, metrics=metrics.get("summary"), message="training finished")
    # Other ranks wait here while rank 0 saves and exports. A rank that left the Gloo group while rank 0 was
    # still working was seen to abort ("terminate called without an active exception").
    wait_for_all_ranks()
    return EXIT_OK


def _model_and_plan(config, schema, spec, cohort: Cohort, device, info, dist_info, init_model, needs_text, events):
    shape = input_shape_zyx(spec)
    if init_model is not None:
        model, architecture = init_model.model, init_model.config
        if list(init_model.finding_ids) != list(schema.finding_ids):
            events.warning(
                f"Schema of {config.init} has {len(init_model.finding_ids)} findings, the task "
                f"{len(schema.finding_ids)}; resizing the classifier and keeping rows of shared findings"
            )
            model = expand_classifier(model, list(init_model.finding_ids), list(schema.finding_ids))
        profile = architecture.profile
    else:
        from greenrfm_core.models import ArchitectureConfig

        base = ArchitectureConfig(**image_layout(spec), profile="lite",
                                  widths=ArchitectureConfig.scaled_widths(config.width_mult),
                                  num_findings=len(schema.finding_ids), latent_dim=config.latent_dim)
        profile = choose_profile(config.profile, base, shape, device, info.total_memory_mb, info.bf16_supported)
        architecture = None
    checkpointing_allowed = config.checkpointing != "off"
    probe_arch = architecture
    if probe_arch is None:
        from greenrfm_core.models import ArchitectureConfig

        probe_arch = ArchitectureConfig(**image_layout(spec), profile=profile,
                                        widths=ArchitectureConfig.scaled_widths(config.width_mult),
                                        num_findings=len(schema.finding_ids), latent_dim=config.latent_dim)
    plan = plan_batches(probe_arch, shape, config.batch_size, device, info.total_memory_mb,
                        info.bf16_supported, allow_checkpointing=checkpointing_allowed)
    if config.checkpointing == "on":
        plan.checkpointing = True
    if architecture is None:
        tokenizer = None
        if needs_text and config.text_encoder == "scratch":
            tokenizer = scratch_tokenizer(Path(config.out), [r.report for r in cohort.train], schema,
                                          dist_info.is_main, device)
        model, architecture = build_run_model(config, profile, len(schema.finding_ids), plan.checkpointing,
                                              tokenizer, with_text=needs_text, spec=spec)
    else:
        architecture.checkpointing = plan.checkpointing
        encoders = getattr(model.image_encoder, "encoders", None)
        for encoder in encoders.values() if encoders is not None else [model.image_encoder]:
            encoder.checkpointing = plan.checkpointing
    events.emit("start", message=f"profile {profile}: micro-batch {plan.micro_batch} x accumulation "
                f"{plan.accumulation}, {plan.precision}, activation checkpointing "
                f"{'on' if plan.checkpointing else 'off'}", metrics=plan.to_dict())
    return model, architecture, plan


def _run_stage(stage, config, model, architecture, schema, spec, cohort, plan, device, dist_info, events,
               control, after_vision):
    stage_dir = Path(config.out) / stage
    trainable = set_trainable(model, stage, after_vision=after_vision, linear_probe=config.linear_probe)
    logger.info("Stage %s trains %d parameters", stage, trainable)
    with_images = stage != "text"
    dataset = StudyDataset(cohort.train, cohort.train_arrays, spec, augment=config.augment and with_images,
                           seed=config.seed, with_images=with_images)
    pos_weight = positive_class_weights(torch.as_tensor(label_matrix(cohort.train))) if config.pos_weight else None
    forward = MustForward(model)
    module = forward
    if dist_info.enabled:
        device_ids = [device.index] if device.type == "cuda" else None
        module = DistributedDataParallel(forward, device_ids=device_ids)
    settings = LoopSettings(
        stage=stage, epochs=config.epochs, batch_size=config.batch_size, micro_batch=plan.micro_batch,
        lr=config.lr or DEFAULT_LR[stage], precision=plan.precision, workers=config.workers,
        seed=config.seed, checkpoint_every=config.checkpoint_every, resume=config.resume,
        text_lr_scale=PRETRAINED_TEXT_LR_SCALE if architecture.text.kind in ("minilm", "hf") else 1.0,
    )
    metrics: dict = {}

    def on_epoch_end(epoch: int):
        nonlocal metrics
        if not dist_info.is_main or not cohort.validation:
            return None
        final = epoch == config.epochs - 1
        metrics = evaluate_stage(stage, model, schema, spec, cohort, device, plan.micro_batch,
                                 n_resamples=FINAL_BOOTSTRAP_RESAMPLES if final else 0, seed=config.seed)
        summary = metrics.get("summary", {})
        events.emit("eval", stage=stage, epoch=epoch + 1, metrics=summary)
        write_metrics_line(stage_dir / "metrics.jsonl", {"stage": stage, "epoch": epoch + 1, **summary})
        return summary

    result = run_loop(model, module, dataset, make_loss(stage, pos_weight), settings, device,
                      stage_dir / "checkpoints", events, control, dist_info, on_epoch_end)
    if not result.stopped and not metrics and dist_info.is_main and cohort.validation:
        metrics = evaluate_stage(stage, model, schema, spec, cohort, device, plan.micro_batch,
                                 n_resamples=FINAL_BOOTSTRAP_RESAMPLES, seed=config.seed)
    return result, metrics


def _save_model(folder, model, architecture, schema, spec, metrics, cohort, config) -> None:
    from greenrfm_core.modelfolder import save_model_folder

    save_model_folder(
        folder, model, architecture, schema, spec,
        thresholds=metrics.get("thresholds"),
        metrics=metrics.get("manifest", {}),
        provenance={
            "training_data_fingerprint": cohort.fingerprint(),
            "parent_model": str(config.init) if config.init else None,
            "seed": config.seed,
            "stage": config.stage,
        },
    )


def _export_onnx(folder: Path, events: EventWriter) -> None:
    try:
        from greenrfm_core.inference import export_model_folder
    except ImportError:
        logger.info("ONNX export is not available in this installation; skipped")
        return
    try:
        export_model_folder(folder)
    except Exception as error:  # noqa: BLE001 - a failed export leaves the PyTorch model usable
        events.warning(f"ONNX export of {folder} failed: {type(error).__name__}: {error}")


def _read_stage_manifest(stage_dir: Path) -> dict | None:
    import json

    path = stage_dir / "stage.json"
    if not path.is_file() or not (stage_dir / "model" / "manifest.json").is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def _software_versions() -> dict[str, str]:
    import numpy

    return {"greenrfm": greenrfm_core.__version__, "python": platform.python_version(),
            "torch": torch.__version__, "numpy": numpy.__version__}
