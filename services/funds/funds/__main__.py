from fupin_kit.runner import serve

serve("funds", "funds.main:create_app")
