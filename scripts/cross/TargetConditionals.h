/* A stand-in for the macOS SDK's TargetConditionals.h, enough for ring's C
 * to compile freestanding for aarch64-apple-darwin in scripts/cross-check's
 * type-check (nothing is linked for macOS here). */
#ifndef TARGET_CONDITIONALS_STANDIN
#define TARGET_CONDITIONALS_STANDIN
#define TARGET_OS_MAC 1
#define TARGET_OS_OSX 1
#define TARGET_OS_IPHONE 0
#define TARGET_OS_IOS 0
#define TARGET_OS_TV 0
#define TARGET_OS_WATCH 0
#define TARGET_OS_SIMULATOR 0
#endif
