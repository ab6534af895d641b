"""request_params: fixture for Triton request parameters.

PARAMS is the request's parameters as the Python backend gives them
(`request.parameters()`, a JSON object string). A request without the
parameter "tag" is answered with the error "request parameter 'tag' missing".
"""
import json

import numpy as np
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        responses = []
        for request in requests:
            text = request.parameters()
            if "tag" not in json.loads(text):
                responses.append(pb_utils.InferenceResponse(error=pb_utils.TritonError("request parameter 'tag' missing")))
                continue
            out = np.array([text.encode("utf-8")], dtype=np.object_)
            responses.append(pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("PARAMS", out)]))
        return responses
