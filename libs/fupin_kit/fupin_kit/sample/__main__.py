import os

from fupin_kit.runner import serve

serve(os.environ.get("FUPIN_SERVICE", "sample_producer"), "fupin_kit.sample.app:create_app")
