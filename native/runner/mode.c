#include "mode.h"

const runner_mode* g_mode;
