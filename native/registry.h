// environment.h under its former name, for a unit that still includes this one (poller.cc); it goes
// once nothing does.
#pragma once

#include "environment.h"
