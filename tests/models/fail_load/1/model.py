"""fail_load: fixture for model load failures.

initialize() always raises, so loading this model fails with
"fail_load: this model refuses to load (test fixture)".
"""
import triton_python_backend_utils as pb_utils  # noqa: F401


class TritonPythonModel:
    def initialize(self, args):
        raise RuntimeError("fail_load: this model refuses to load (test fixture)")

    def execute(self, requests):  # never reached
        raise RuntimeError("fail_load: not loaded")
