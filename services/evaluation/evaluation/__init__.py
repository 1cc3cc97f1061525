"""Fupin evaluation: Indicators per tier and period, assessments, third-party sampling evaluation, cadre performance and rectification tasks."""
