/* version.h: the version of seal, printed by `seal --version` and recorded in
 * every run record (a resumed run says which version started it). Bump the
 * minor number when a change moves results. */
#ifndef SEAL_UTIL_VERSION_H
#define SEAL_UTIL_VERSION_H

#define SEAL_VERSION "0.8.0"

#endif
