"""slow_finalize: fixture for a model that outlasts the server's exit timeout.

OUT = IN (FP32 [4]) at once, but finalize() sleeps for the config parameter
"finalize_s" seconds (default 3600): unloading it never ends in time, so the
server's stop reports the exit timeout with the model still unloading.
"""
import json
import time

import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def initialize(self, args):
        config = json.loads(args["model_config"])
        params = config.get("parameters", {})
        self.finalize_s = float(params.get("finalize_s", {}).get("string_value", "3600"))

    def execute(self, requests):
        responses = []
        for request in requests:
            x = pb_utils.get_input_tensor_by_name(request, "IN").as_numpy()
            responses.append(pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("OUT", x)]))
        return responses

    def finalize(self):
        time.sleep(self.finalize_s)
