/* prompts.h: SEAL's prompt templates moved to tok/prompts.h (below sandbox/,
 * which uses them too); this name is kept for the files that still include it. */
#ifndef SEAL_SEAL_PROMPTS_H
#define SEAL_SEAL_PROMPTS_H

#include "tok/prompts.h"

#endif
