"""Inference: the operation catalog, the model registry, pipeline loading and the Dramatiq actors.

torch, diffusers and OpenCV are imported lazily inside the operations that use them.
"""
