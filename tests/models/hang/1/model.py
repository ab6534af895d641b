"""hang: fixture for deadlines and timeouts.

OUT = IN (FP32 [1]), but each execute() first sleeps for the config
parameter "hang_s" seconds (default 30), far longer than a test deadline.
"""
import json
import time

import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def initialize(self, args):
        config = json.loads(args["model_config"])
        params = config.get("parameters", {})
        self.hang_s = float(params.get("hang_s", {}).get("string_value", "30"))

    def execute(self, requests):
        time.sleep(self.hang_s)
        responses = []
        for request in requests:
            x = pb_utils.get_input_tensor_by_name(request, "IN").as_numpy()
            responses.append(pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("OUT", x)]))
        return responses
