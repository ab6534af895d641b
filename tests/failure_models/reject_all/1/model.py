"""reject_all: answers every request with an error response (the model stays READY)."""
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        return [pb_utils.InferenceResponse(error=pb_utils.TritonError("reject_all: every request is rejected (test fixture)")) for _ in requests]
