"""Start the stock `llama_cpp.server` with one load setting changed: llama.cpp's extra buffer types off.

Why: on virtual machines that advertise AMX without supporting it (this project's CI among them),
llama.cpp's AMX kernels die with a general protection fault on the first decode, and llama_cpp.server
has no flag to turn them off. Everything else is the unmodified server, with its own command line:
`python llama_server_launcher.py --model M.gguf --host 127.0.0.1 --port N`.
"""

import runpy
import sys

import llama_cpp.llama_cpp as bindings

_default_params = bindings.llama_model_default_params


def _params():
    params = _default_params()
    params.use_extra_bufts = False
    return params


if __name__ == "__main__":
    bindings.llama_model_default_params = _params
    sys.argv[0] = "llama_cpp.server"
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
