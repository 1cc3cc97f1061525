from fupin_kit.runner import serve

serve("identification", "identification.main:create_app")
