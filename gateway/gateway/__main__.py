from fupin_kit.runner import serve

serve("gateway", "gateway.main:create_app")
