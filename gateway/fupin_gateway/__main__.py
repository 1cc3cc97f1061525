from fupin_kit.runner import serve

serve("gateway", "fupin_gateway.main:create_app")
