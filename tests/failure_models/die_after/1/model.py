"""die_after: echoes IN, then its stub process exits abruptly (os._exit) on the
`die_after`-th execute call (config parameter, default 200): a stub killed mid-run."""
import json
import os

import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def initialize(self, args):
        params = json.loads(args["model_config"]).get("parameters", {})
        self.left = int(params.get("die_after", {}).get("string_value", "200"))

    def execute(self, requests):
        self.left -= 1
        if self.left <= 0:
            os._exit(1)
        return [pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("OUT", pb_utils.get_input_tensor_by_name(r, "IN").as_numpy())]) for r in requests]
