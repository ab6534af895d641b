"""hang: sleeps `hang_s` seconds (config parameter, default 3600) before answering."""
import json
import time

import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def initialize(self, args):
        params = json.loads(args["model_config"]).get("parameters", {})
        self.hang_s = float(params.get("hang_s", {}).get("string_value", "3600"))

    def execute(self, requests):
        time.sleep(self.hang_s)
        return [pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("OUT", pb_utils.get_input_tensor_by_name(r, "IN").as_numpy())]) for r in requests]
