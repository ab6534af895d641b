"""bytes_echo: fixture for BYTES (TYPE_STRING) tensors.

TEXT is a vector of byte strings. UPPER holds each element upper-cased
(bytes in, bytes out; ASCII upper-casing via bytes.upper) and LENGTHS holds
the byte length of each element as INT32.
"""
import numpy as np
import triton_python_backend_utils as pb_utils


def _as_bytes(value):
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return bytes(value)


class TritonPythonModel:
    def execute(self, requests):
        responses = []
        for request in requests:
            text = pb_utils.get_input_tensor_by_name(request, "TEXT").as_numpy()
            items = [_as_bytes(v) for v in text.reshape(-1)]
            upper = np.array([v.upper() for v in items], dtype=np.object_)
            lengths = np.array([len(v) for v in items], dtype=np.int32)
            responses.append(
                pb_utils.InferenceResponse(
                    output_tensors=[
                        pb_utils.Tensor("UPPER", upper.reshape(text.shape)),
                        pb_utils.Tensor("LENGTHS", lengths.reshape(text.shape)),
                    ]
                )
            )
        return responses
