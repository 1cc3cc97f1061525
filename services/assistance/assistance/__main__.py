from fupin_kit.runner import serve

serve("assistance", "assistance.main:create_app")
