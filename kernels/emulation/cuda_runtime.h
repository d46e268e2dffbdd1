// RISKCORE_CUDA=EMULATE puts this directory first on the include path: <cuda_runtime.h> is the emulation.
#pragma once
#include "../cuda_emulation.hpp"
