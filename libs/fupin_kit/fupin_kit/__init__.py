"""Fupin's shared infrastructure. Infrastructure only: no domain rules live here."""
