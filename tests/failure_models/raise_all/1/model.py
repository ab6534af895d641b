"""raise_all: execute() raises on every call, failing every request of the batch."""


class TritonPythonModel:
    def execute(self, requests):
        raise RuntimeError("raise_all: execute always raises (test fixture)")
