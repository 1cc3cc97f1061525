"""`fupin demo`: a realistic synthetic population for a real county, imported like a real file."""
