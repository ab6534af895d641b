"""pipe_net: the fast batched model of the ens_pipeline fixture.

OUT = IN (FP32 [4], batched up to 8). Every execute() sleeps `sleep_ms`
(config parameter, 10 here) ONCE however many requests it is given, holding
an exclusive lock (fcntl.flock) on a file shared by every instance of the
same server process (/tmp/tritium_pipe_net_<server pid>.lock). Executions are
serialized across instances, like one device shared by all of them: the model
serves at most max_batch_size / sleep_ms requests per millisecond whatever
its instance count, so a second instance adds nothing.
"""
import fcntl
import json
import os
import time

import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def initialize(self, args):
        config = json.loads(args["model_config"])
        params = config.get("parameters", {})
        self.sleep_s = float(params.get("sleep_ms", {}).get("string_value", "10")) / 1000.0
        # The stub's parent is the server process: one lock per server.
        self.lock = open("/tmp/tritium_pipe_net_%d.lock" % os.getppid(), "a")

    def execute(self, requests):
        fcntl.flock(self.lock, fcntl.LOCK_EX)
        try:
            time.sleep(self.sleep_s)
        finally:
            fcntl.flock(self.lock, fcntl.LOCK_UN)
        responses = []
        for request in requests:
            x = pb_utils.get_input_tensor_by_name(request, "IN").as_numpy()
            responses.append(pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("OUT", x)]))
        return responses

    def finalize(self):
        self.lock.close()
