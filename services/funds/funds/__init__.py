"""Fupin funds: Fund sources and allocations, the project library lifecycle, disbursements, supervision findings and disclosures."""
