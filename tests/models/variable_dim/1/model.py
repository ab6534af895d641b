"""variable_dim: fixture for variable-size (-1) dimensions.

IN is an FP32 vector of any length; OUT = IN * 2 (same shape) and
LEN is an INT64 [1] tensor holding the number of elements of IN.
"""
import numpy as np
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        responses = []
        for request in requests:
            x = pb_utils.get_input_tensor_by_name(request, "IN").as_numpy()
            out = pb_utils.Tensor("OUT", (x * 2).astype(np.float32))
            length = pb_utils.Tensor("LEN", np.array([x.size], dtype=np.int64))
            responses.append(pb_utils.InferenceResponse(output_tensors=[out, length]))
        return responses
