"""Presentation: callback data, keyboards, rendering, QR images."""
