"""noisy_service: seeded noisy ground-truth model for config search (issue 12).

OUT = IN (FP32 [4], batched up to max_batch_size). Every execute() call of a
batch of b requests sleeps

    (base_ms + per_item_ms * b) * exp(sigma * z - sigma**2 / 2),  z ~ N(0, 1)

then answers each request. The log-normal factor has mean 1, so the MEAN
service time of a batch of b is exactly base_ms + per_item_ms * b, and one
instance completes at most B / (base_ms + per_item_ms * B) requests per ms at
max batch B. Instances sleep in parallel (each is its own stub process and
sleep releases the GIL), so k instances give

    capacity(k, B) = k * B / (base_ms + per_item_ms * B)   [requests/ms]

once the concurrency keeps every instance at full batches (c >= (k+1) * B).
The draws come from random.Random seeded with the config parameter "seed"
and the instance's name (crc32, stable across runs), so each instance has its
own reproducible sequence. Parameters (config.pbtxt, string values):
base_ms (1), per_item_ms (4), sigma (0.2), seed (12).
"""
import json
import math
import random
import time
import zlib

import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def initialize(self, args):
        config = json.loads(args["model_config"])
        params = config.get("parameters", {})

        def param(key, default):
            return float(params.get(key, {}).get("string_value", default))

        self.base_s = param("base_ms", "1") / 1000.0
        self.per_item_s = param("per_item_ms", "4") / 1000.0
        self.sigma = param("sigma", "0.2")
        seed = int(param("seed", "12"))
        name = args.get("model_instance_name", "")
        self.rng = random.Random(seed * 1_000_003 + zlib.crc32(name.encode()))

    def execute(self, requests):
        mean = self.base_s + self.per_item_s * len(requests)
        factor = self.rng.lognormvariate(-self.sigma * self.sigma / 2.0, self.sigma) if self.sigma > 0 else 1.0
        time.sleep(mean * min(max(factor, 1e-3), 1e3))
        responses = []
        for request in requests:
            x = pb_utils.get_input_tensor_by_name(request, "IN").as_numpy()
            responses.append(pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("OUT", x)]))
        return responses
