"""pipe_pre: the slow preprocessor of the ens_pipeline fixture.

OUT = IN (FP32 [4], batched up to 8). Every execute() sleeps `per_request_ms`
(config parameter, 20 here) FOR EACH REQUEST it is given, so batching gains
nothing: one instance serves at most 1000 / per_request_ms requests per
second, and throughput grows with the instance count only.
"""
import json
import time

import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def initialize(self, args):
        config = json.loads(args["model_config"])
        params = config.get("parameters", {})
        self.per_request_s = float(params.get("per_request_ms", {}).get("string_value", "20")) / 1000.0

    def execute(self, requests):
        time.sleep(self.per_request_s * len(requests))
        responses = []
        for request in requests:
            x = pb_utils.get_input_tensor_by_name(request, "IN").as_numpy()
            responses.append(pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("OUT", x)]))
        return responses
