"""Stand-in for the issue's example `my_model`: a variable-length audio input
(`audio_signal`, FP32 [-1], batched) reduced to its mean energy. Lets the
Model Analyzer example config (shape audio_signal:160000) run unchanged."""
import numpy as np
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        responses = []
        for request in requests:
            x = pb_utils.get_input_tensor_by_name(request, "audio_signal").as_numpy()
            energy = np.mean(x.astype(np.float32) ** 2, axis=1, keepdims=True).astype(np.float32)
            responses.append(pb_utils.InferenceResponse([pb_utils.Tensor("energy", energy)]))
        return responses
