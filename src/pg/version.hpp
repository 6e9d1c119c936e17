// The extension's version lives in core (booking-events-listen shows it
// too, and it includes nothing of src/pg).
#pragma once

#include "core/version.hpp"
