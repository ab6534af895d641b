"""torch_gpu: add_sub computed with PyTorch on the GPU (needs torch + CUDA).

OUTPUT0 = INPUT0 + INPUT1 and OUTPUT1 = INPUT0 - INPUT1 on FP32 [16] vectors,
batched up to 8. Tensors move in and out through DLPack only (no numpy), so
the outputs are GPU tensors handed to Triton without a host copy.
"""
import torch
import torch.utils.dlpack
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def initialize(self, args):
        if not torch.cuda.is_available():
            raise RuntimeError("torch_gpu: CUDA is not available to torch")
        self.device = torch.device("cuda:{}".format(args["model_instance_device_id"]))

    def _input(self, request, name):
        tensor = pb_utils.get_input_tensor_by_name(request, name)
        return torch.utils.dlpack.from_dlpack(tensor.to_dlpack()).to(self.device)

    def execute(self, requests):
        responses = []
        for request in requests:
            in0 = self._input(request, "INPUT0")
            in1 = self._input(request, "INPUT1")
            out0 = (in0 + in1).contiguous()
            out1 = (in0 - in1).contiguous()
            responses.append(
                pb_utils.InferenceResponse(
                    output_tensors=[
                        pb_utils.Tensor.from_dlpack("OUTPUT0", torch.utils.dlpack.to_dlpack(out0)),
                        pb_utils.Tensor.from_dlpack("OUTPUT1", torch.utils.dlpack.to_dlpack(out1)),
                    ]
                )
            )
        return responses
