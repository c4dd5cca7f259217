"""Metric series as evidence: read from files or a Prometheus server, and the points where
they changed (level, trend, variance, gaps, limits crossed)."""

from retroline.metrics.series import Series, SeriesSource, series_name

__all__ = ["Series", "SeriesSource", "series_name"]
