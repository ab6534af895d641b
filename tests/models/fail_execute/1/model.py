"""fail_execute: fixture for inference error paths.

OUT = IN (FP32 [4]) unless:
  * IN[0] < 0: that request gets an error response
    ("negative input rejected by fail_execute");
  * IN[0] == 13: execute() raises a Python exception ("unlucky input"),
    which fails every request of that execute call.
The model stays loaded and keeps serving after either error.
"""
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        responses = []
        for request in requests:
            x = pb_utils.get_input_tensor_by_name(request, "IN").as_numpy()
            first = float(x.reshape(-1)[0])
            if first == 13:
                raise RuntimeError("unlucky input")
            if first < 0:
                responses.append(
                    pb_utils.InferenceResponse(
                        error=pb_utils.TritonError("negative input rejected by fail_execute")
                    )
                )
                continue
            responses.append(pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("OUT", x)]))
        return responses
