/* A stand-in for Windows' bcryptprimitives.dll, for Wine 8 (Debian 12),
 * which lacks it: Rust's std (>= 1.78) imports ProcessPrng from it, so
 * every Windows test binary would exit before main under that Wine.
 * ProcessPrng fills a buffer with the system's random bytes, which
 * BCryptGenRandom with the system's preferred generator does as well.
 * Built by scripts/cross-check with mingw-w64; never shipped. */
#include <windows.h>
#include <bcrypt.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG)))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
