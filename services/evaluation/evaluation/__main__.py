from fupin_kit.runner import serve

serve("evaluation", "evaluation.main:create_app")
