from fupin_kit.runner import serve

serve("registry", "registry.main:create_app")
