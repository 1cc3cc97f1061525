"""Cross-service tests run on the real stack started by the fupin_kit pytest plugin."""
