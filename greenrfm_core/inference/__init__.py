"""Prediction with a model folder (PyTorch or onnxruntime), ONNX export and class-activation heat maps."""

from greenrfm_core.inference.export import export_model_folder
from greenrfm_core.inference.prediction import Prediction
from greenrfm_core.inference.predictor import Predictor, default_engine

__all__ = ["Prediction", "Predictor", "default_engine", "export_model_folder"]
