"""Benchmark model for the GPU comparison: 8 x (1024x1024 matmul + relu) in
fp32 with torch on cuda:<model_instance_device_id>, dynamic batching.
Inputs and outputs cross the stub boundary through DLPack (numpy-free)."""
import torch
import triton_python_backend_utils as pb_utils
from torch.utils.dlpack import from_dlpack, to_dlpack


class TritonPythonModel:
    def initialize(self, args):
        self.device = torch.device("cuda:%s" % args["model_instance_device_id"])
        g = torch.Generator(device="cpu").manual_seed(0)
        self.weights = [
            (torch.randn(1024, 1024, generator=g) / 32.0).to(self.device) for _ in range(8)
        ]

    def execute(self, requests):
        xs = [from_dlpack(pb_utils.get_input_tensor_by_name(r, "INPUT").to_dlpack()).to(self.device) for r in requests]
        sizes = [x.shape[0] for x in xs]
        x = torch.cat(xs, dim=0)
        with torch.no_grad():
            for w in self.weights:
                x = torch.relu(x @ w)
        responses = []
        for part in torch.split(x, sizes, dim=0):
            out = pb_utils.Tensor.from_dlpack("OUTPUT", to_dlpack(part.contiguous()))
            responses.append(pb_utils.InferenceResponse([out]))
        return responses
