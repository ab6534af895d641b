"""sleep_fixed: ground-truth model for config search.

OUT = IN (FP32 [4], batched up to 8). Every execute() call sleeps a fixed
time ONCE, however many requests the dynamic batcher put in it, then answers
each request. So one instance serves at most max_batch_size / sleep requests
per second, and batching raises throughput in a predictable way.
The sleep comes from the config parameter "sleep_ms" (default 5 ms).
"""
import json
import time

import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def initialize(self, args):
        config = json.loads(args["model_config"])
        params = config.get("parameters", {})
        sleep_ms = float(params.get("sleep_ms", {}).get("string_value", "5"))
        self.sleep_s = sleep_ms / 1000.0

    def execute(self, requests):
        time.sleep(self.sleep_s)
        responses = []
        for request in requests:
            x = pb_utils.get_input_tensor_by_name(request, "IN").as_numpy()
            responses.append(pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("OUT", x)]))
        return responses
