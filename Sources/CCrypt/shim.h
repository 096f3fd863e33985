// libxcrypt (Debian's libcrypt-dev, pulled in by libc6-dev): crypt_rn verifies the bcrypt
// hashes of a web config's basic_auth_users.
#include <crypt.h>
