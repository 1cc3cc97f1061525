"""Fupin assistance: Cadres, village teams, helper pairing, household plans and measures, industry projects, micro-credit and visit logs."""
