"""Feedback: SIPAS-structured satisfaction survey, QR entry points per office, reports."""
