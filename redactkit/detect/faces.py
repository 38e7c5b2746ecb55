"""Full-face photographs (a Safe Harbor identifier): faces found in a page's pixels with the
frontal-face Haar cascade that OpenCV ships in its wheel (no download)."""
from __future__ import annotations

from functools import lru_cache

import pymupdf

FACE_DPI = 100
MARGIN = 0.2   # widen each face box by this share per side: hair, ears, chin


@lru_cache(maxsize=1)
def _cascade():
    import cv2
    return cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")


def find_faces(page: pymupdf.Page) -> list[pymupdf.Rect]:
    import numpy as np

    pix = page.get_pixmap(dpi=FACE_DPI, colorspace=pymupdf.csGRAY)
    img = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.stride)[:, :pix.width]
    found = _cascade().detectMultiScale(img, scaleFactor=1.05, minNeighbors=4, minSize=(20, 20))
    scale = 72 / FACE_DPI
    out = []
    for x, y, w, h in found:
        r = pymupdf.Rect(x, y, x + w, y + h) * scale
        out.append((r + (-MARGIN * r.width, -MARGIN * r.height, MARGIN * r.width, MARGIN * r.height)) & page.rect)
    return out
