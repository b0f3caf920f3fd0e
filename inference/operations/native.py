"""OpenCV steps whose run time the input's size does not bound; run through ``inference.isolation``.

Plain functions of numpy arrays, importing only numpy and OpenCV, so the isolation server preloads this
module without Django.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np


def grabcut(
    bgr: np.ndarray, mask: np.ndarray, rect: tuple[int, int, int, int], iterations: int, mode: int
) -> np.ndarray:
    """GrabCut's labels for each pixel (cv2.GC_*) after ``iterations`` rounds from ``mask``/``rect``."""
    bgd_model = np.zeros((1, 65), np.float64)
    fgd_model = np.zeros((1, 65), np.float64)
    labels = mask.copy()
    cv2.grabCut(bgr, labels, rect, bgd_model, fgd_model, iterations, mode)
    return labels


def inpaint(bgr: np.ndarray, mask: np.ndarray, grow: int, radius: int, method: str) -> Any:
    """Fill what ``mask`` covers, after growing it by ``grow`` pixels (both cost grow with the mask)."""
    if grow:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1))
        mask = cv2.dilate(mask, kernel)
    flag = cv2.INPAINT_TELEA if method == "telea" else cv2.INPAINT_NS
    return cv2.inpaint(bgr, mask, radius, flag)
