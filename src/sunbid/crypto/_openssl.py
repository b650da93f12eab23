"""SM2 through the system OpenSSL 3 (``libcrypto.so.3``) with ctypes.

Only SM2 lives here (``cryptography`` covers everything else). Rules this module keeps:

- every return value is checked; a failure raises :class:`OpenSSLFailure` (turned into a domain
  error by the caller) after the thread's OpenSSL error queue has been drained;
- every OpenSSL object is freed in a ``finally`` block, except ``EVP_PKEY`` handles owned by a
  :class:`Pkey`, which a ``weakref.finalize`` frees;
- inputs are Python ``bytes`` copied into ctypes buffers; lengths are passed explicitly, and DER
  parsing must consume the whole input.

SM2 signatures use the signer ID (distinguishing identifier) ``1234567812345678`` of GB/T 32918.2
and GM/T 0009, set on every signing and verifying context: OpenSSL's command line uses an empty ID
unless told ``-sigopt distid:1234567812345678``.
"""

from __future__ import annotations

import ctypes
import threading
import weakref
from ctypes import POINTER, byref, c_char_p, c_int, c_long, c_size_t, c_ulong, c_void_p
from typing import Any

SM2_DEFAULT_ID = b"1234567812345678"
_SONAMES = ("libcrypto.so.3",)
_MIN_VERSION = 0x30000000


class OpenSSLFailure(Exception):
    """An OpenSSL call failed; ``errors`` holds the drained error strings."""

    def __init__(self, what: str, errors: list[str]) -> None:
        super().__init__(f"{what}: {'; '.join(errors) or 'no detail'}")
        self.what = what
        self.errors = errors


class BackendUnavailable(Exception):
    """libcrypto.so.3 cannot be loaded, is too old, or lacks SM2."""


class _Lib:
    def __init__(self) -> None:
        lib: ctypes.CDLL | None = None
        problems = []
        for soname in _SONAMES:
            try:
                lib = ctypes.CDLL(soname)
                break
            except OSError as exc:
                problems.append(str(exc))
        if lib is None:
            raise BackendUnavailable("; ".join(problems))
        self._lib = lib

        def bind(name: str, restype: Any, *argtypes: Any) -> Any:
            try:
                function = getattr(lib, name)
            except AttributeError as exc:
                raise BackendUnavailable(f"libcrypto lacks {name}") from exc
            function.restype = restype
            function.argtypes = list(argtypes)
            return function

        pp = POINTER(c_void_p)
        self.OpenSSL_version_num = bind("OpenSSL_version_num", c_ulong)
        self.ERR_get_error = bind("ERR_get_error", c_ulong)
        self.ERR_clear_error = bind("ERR_clear_error", None)
        self.ERR_error_string_n = bind("ERR_error_string_n", None, c_ulong, c_char_p, c_size_t)
        self.EVP_PKEY_CTX_new_from_name = bind("EVP_PKEY_CTX_new_from_name", c_void_p, c_void_p, c_char_p, c_char_p)
        self.EVP_PKEY_CTX_new_from_pkey = bind("EVP_PKEY_CTX_new_from_pkey", c_void_p, c_void_p, c_void_p, c_char_p)
        self.EVP_PKEY_CTX_free = bind("EVP_PKEY_CTX_free", None, c_void_p)
        self.EVP_PKEY_keygen_init = bind("EVP_PKEY_keygen_init", c_int, c_void_p)
        self.EVP_PKEY_generate = bind("EVP_PKEY_generate", c_int, c_void_p, pp)
        self.EVP_PKEY_free = bind("EVP_PKEY_free", None, c_void_p)
        self.EVP_PKEY_is_a = bind("EVP_PKEY_is_a", c_int, c_void_p, c_char_p)
        self.EVP_PKEY_get_size = bind("EVP_PKEY_get_size", c_int, c_void_p)
        self.EVP_MD_CTX_new = bind("EVP_MD_CTX_new", c_void_p)
        self.EVP_MD_CTX_free = bind("EVP_MD_CTX_free", None, c_void_p)
        self.EVP_DigestSignInit_ex = bind(
            "EVP_DigestSignInit_ex", c_int, c_void_p, pp, c_char_p, c_void_p, c_char_p, c_void_p, c_void_p
        )
        self.EVP_DigestVerifyInit_ex = bind(
            "EVP_DigestVerifyInit_ex", c_int, c_void_p, pp, c_char_p, c_void_p, c_char_p, c_void_p, c_void_p
        )
        self.EVP_DigestSign = bind("EVP_DigestSign", c_int, c_void_p, c_char_p, POINTER(c_size_t), c_char_p, c_size_t)
        self.EVP_DigestVerify = bind("EVP_DigestVerify", c_int, c_void_p, c_char_p, c_size_t, c_char_p, c_size_t)
        self.EVP_PKEY_CTX_set1_id = bind("EVP_PKEY_CTX_set1_id", c_int, c_void_p, c_char_p, c_int)
        self.EVP_PKEY_encrypt_init = bind("EVP_PKEY_encrypt_init", c_int, c_void_p)
        self.EVP_PKEY_encrypt = bind(
            "EVP_PKEY_encrypt", c_int, c_void_p, c_char_p, POINTER(c_size_t), c_char_p, c_size_t
        )
        self.EVP_PKEY_decrypt_init = bind("EVP_PKEY_decrypt_init", c_int, c_void_p)
        self.EVP_PKEY_decrypt = bind(
            "EVP_PKEY_decrypt", c_int, c_void_p, c_char_p, POINTER(c_size_t), c_char_p, c_size_t
        )
        self.d2i_PUBKEY = bind("d2i_PUBKEY", c_void_p, c_void_p, pp, c_long)
        self.i2d_PUBKEY = bind("i2d_PUBKEY", c_int, c_void_p, pp)
        self.d2i_PKCS8_PRIV_KEY_INFO = bind("d2i_PKCS8_PRIV_KEY_INFO", c_void_p, c_void_p, pp, c_long)
        self.i2d_PKCS8_PRIV_KEY_INFO = bind("i2d_PKCS8_PRIV_KEY_INFO", c_int, c_void_p, pp)
        self.PKCS8_PRIV_KEY_INFO_free = bind("PKCS8_PRIV_KEY_INFO_free", None, c_void_p)
        self.EVP_PKCS82PKEY = bind("EVP_PKCS82PKEY", c_void_p, c_void_p)
        self.EVP_PKEY2PKCS8 = bind("EVP_PKEY2PKCS8", c_void_p, c_void_p)
        version = int(self.OpenSSL_version_num())
        if version < _MIN_VERSION:
            raise BackendUnavailable(f"OpenSSL {version:#x} is older than 3.0")
        self.version = version

    def errors(self) -> list[str]:
        """Drain this thread's OpenSSL error queue."""
        found = []
        for _ in range(64):
            code = int(self.ERR_get_error())
            if not code:
                break
            buf = ctypes.create_string_buffer(256)
            self.ERR_error_string_n(code, buf, len(buf))
            found.append(buf.value.decode("ascii", "replace"))
        return found

    def fail(self, what: str) -> OpenSSLFailure:
        return OpenSSLFailure(what, self.errors())


_lock = threading.Lock()
_loaded: _Lib | None = None
_load_error: BackendUnavailable | None = None


def lib() -> _Lib:
    """The bound library, loaded once; raises :class:`BackendUnavailable`."""
    global _loaded, _load_error
    if _loaded is not None:
        return _loaded
    with _lock:
        if _loaded is None and _load_error is None:
            try:
                candidate = _Lib()
                _probe(candidate)
                _loaded = candidate
            except BackendUnavailable as exc:
                _load_error = exc
        if _loaded is None:
            assert _load_error is not None
            raise _load_error
        return _loaded


def _probe(candidate: _Lib) -> None:
    ctx = candidate.EVP_PKEY_CTX_new_from_name(None, b"SM2", None)
    if not ctx:
        candidate.errors()
        raise BackendUnavailable("this libcrypto has no SM2")
    candidate.EVP_PKEY_CTX_free(ctx)


class Pkey:
    """An owned ``EVP_PKEY*`` holding an SM2 key (private or public)."""

    def __init__(self, pointer: int, *, private: bool) -> None:
        self.pointer = pointer
        self.private = private
        self._finalizer = weakref.finalize(self, lib().EVP_PKEY_free, pointer)


def _buffer(data: bytes) -> ctypes.Array[ctypes.c_char]:
    return ctypes.create_string_buffer(bytes(data), max(len(data), 1))


def _require_sm2(ossl: _Lib, pointer: int) -> None:
    if ossl.EVP_PKEY_is_a(pointer, b"SM2") != 1:
        ossl.EVP_PKEY_free(pointer)
        ossl.errors()
        raise OpenSSLFailure("the key is not an SM2 key", [])


def generate() -> Pkey:
    ossl = lib()
    ossl.ERR_clear_error()
    ctx = ossl.EVP_PKEY_CTX_new_from_name(None, b"SM2", None)
    if not ctx:
        raise ossl.fail("EVP_PKEY_CTX_new_from_name")
    try:
        if ossl.EVP_PKEY_keygen_init(ctx) != 1:
            raise ossl.fail("EVP_PKEY_keygen_init")
        out = c_void_p()
        if ossl.EVP_PKEY_generate(ctx, byref(out)) != 1 or not out.value:
            raise ossl.fail("EVP_PKEY_generate")
        return Pkey(out.value, private=True)
    finally:
        ossl.EVP_PKEY_CTX_free(ctx)


def load_public_der(spki: bytes) -> Pkey:
    """An SM2 public key from SubjectPublicKeyInfo DER; the DER must be consumed whole."""
    ossl = lib()
    ossl.ERR_clear_error()
    buf = _buffer(spki)
    cursor = c_void_p(ctypes.addressof(buf))
    pointer = ossl.d2i_PUBKEY(None, byref(cursor), len(spki))
    if not pointer:
        raise ossl.fail("d2i_PUBKEY")
    if cursor.value is None or cursor.value - ctypes.addressof(buf) != len(spki):
        ossl.EVP_PKEY_free(pointer)
        raise OpenSSLFailure("trailing bytes after SubjectPublicKeyInfo", [])
    _require_sm2(ossl, pointer)
    return Pkey(pointer, private=False)


def load_private_pkcs8(der: bytes) -> Pkey:
    """An SM2 private key from unencrypted PKCS#8 PrivateKeyInfo DER."""
    ossl = lib()
    ossl.ERR_clear_error()
    buf = _buffer(der)
    cursor = c_void_p(ctypes.addressof(buf))
    p8 = ossl.d2i_PKCS8_PRIV_KEY_INFO(None, byref(cursor), len(der))
    if not p8:
        raise ossl.fail("d2i_PKCS8_PRIV_KEY_INFO")
    try:
        if cursor.value is None or cursor.value - ctypes.addressof(buf) != len(der):
            raise OpenSSLFailure("trailing bytes after PrivateKeyInfo", [])
        pointer = ossl.EVP_PKCS82PKEY(p8)
        if not pointer:
            raise ossl.fail("EVP_PKCS82PKEY")
    finally:
        ossl.PKCS8_PRIV_KEY_INFO_free(p8)
    _require_sm2(ossl, pointer)
    return Pkey(pointer, private=True)


def _i2d(function: Any, obj: int, what: str) -> bytes:
    ossl = lib()
    size = function(obj, None)
    if size <= 0:
        raise ossl.fail(what)
    buf = ctypes.create_string_buffer(size)
    cursor = c_void_p(ctypes.addressof(buf))
    written = function(obj, byref(cursor))
    if written != size:
        raise ossl.fail(what)
    return buf.raw[:size]


def public_der(key: Pkey) -> bytes:
    ossl = lib()
    ossl.ERR_clear_error()
    return _i2d(ossl.i2d_PUBKEY, key.pointer, "i2d_PUBKEY")


def private_pkcs8(key: Pkey) -> bytes:
    ossl = lib()
    ossl.ERR_clear_error()
    p8 = ossl.EVP_PKEY2PKCS8(key.pointer)
    if not p8:
        raise ossl.fail("EVP_PKEY2PKCS8")
    try:
        return _i2d(ossl.i2d_PKCS8_PRIV_KEY_INFO, p8, "i2d_PKCS8_PRIV_KEY_INFO")
    finally:
        ossl.PKCS8_PRIV_KEY_INFO_free(p8)


def sign(key: Pkey, data: bytes, distid: bytes = SM2_DEFAULT_ID) -> bytes:
    """SM2-with-SM3 over ``data`` (Z_A computed from ``distid``); DER ``SEQUENCE{r, s}``."""
    ossl = lib()
    ossl.ERR_clear_error()
    mctx = ossl.EVP_MD_CTX_new()
    if not mctx:
        raise ossl.fail("EVP_MD_CTX_new")
    try:
        pctx = c_void_p()  # owned by mctx
        if ossl.EVP_DigestSignInit_ex(mctx, byref(pctx), b"SM3", None, None, key.pointer, None) != 1:
            raise ossl.fail("EVP_DigestSignInit_ex")
        if not pctx.value or ossl.EVP_PKEY_CTX_set1_id(pctx, distid, len(distid)) <= 0:
            raise ossl.fail("EVP_PKEY_CTX_set1_id")
        size = c_size_t(0)
        message = _buffer(data)
        if ossl.EVP_DigestSign(mctx, None, byref(size), message, len(data)) != 1:
            raise ossl.fail("EVP_DigestSign (size)")
        out = ctypes.create_string_buffer(max(size.value, 1))
        if ossl.EVP_DigestSign(mctx, out, byref(size), message, len(data)) != 1:
            raise ossl.fail("EVP_DigestSign")
        return out.raw[: size.value]
    finally:
        ossl.EVP_MD_CTX_free(mctx)


def verify(key: Pkey, data: bytes, signature: bytes, distid: bytes = SM2_DEFAULT_ID) -> bool:
    """True only for a valid signature; any malformation is simply False."""
    ossl = lib()
    ossl.ERR_clear_error()
    mctx = ossl.EVP_MD_CTX_new()
    if not mctx:
        raise ossl.fail("EVP_MD_CTX_new")
    try:
        pctx = c_void_p()
        if ossl.EVP_DigestVerifyInit_ex(mctx, byref(pctx), b"SM3", None, None, key.pointer, None) != 1:
            raise ossl.fail("EVP_DigestVerifyInit_ex")
        if not pctx.value or ossl.EVP_PKEY_CTX_set1_id(pctx, distid, len(distid)) <= 0:
            raise ossl.fail("EVP_PKEY_CTX_set1_id")
        ok = ossl.EVP_DigestVerify(mctx, _buffer(signature), len(signature), _buffer(data), len(data))
        ossl.errors()
        return bool(ok == 1)
    finally:
        ossl.EVP_MD_CTX_free(mctx)


def _pkey_crypt(key: Pkey, data: bytes, *, decrypt: bool) -> bytes:
    ossl = lib()
    ossl.ERR_clear_error()
    ctx = ossl.EVP_PKEY_CTX_new_from_pkey(None, key.pointer, None)
    if not ctx:
        raise ossl.fail("EVP_PKEY_CTX_new_from_pkey")
    init, run, name = (
        (ossl.EVP_PKEY_decrypt_init, ossl.EVP_PKEY_decrypt, "EVP_PKEY_decrypt")
        if decrypt
        else (ossl.EVP_PKEY_encrypt_init, ossl.EVP_PKEY_encrypt, "EVP_PKEY_encrypt")
    )
    try:
        if init(ctx) != 1:
            raise ossl.fail(f"{name}_init")
        size = c_size_t(0)
        source = _buffer(data)
        if run(ctx, None, byref(size), source, len(data)) != 1:
            raise ossl.fail(f"{name} (size)")
        out = ctypes.create_string_buffer(max(size.value, 1))
        if run(ctx, out, byref(size), source, len(data)) != 1:
            raise ossl.fail(name)
        return out.raw[: size.value]
    finally:
        ossl.EVP_PKEY_CTX_free(ctx)


def encrypt(key: Pkey, plaintext: bytes) -> bytes:
    """SM2 public-key encryption (SM3 KDF and C3); ASN.1 ``SEQUENCE{x, y, C3, C2}`` as OpenSSL emits."""
    return _pkey_crypt(key, plaintext, decrypt=False)


def decrypt(key: Pkey, ciphertext: bytes) -> bytes:
    if not key.private:
        raise OpenSSLFailure("decryption needs the private key", [])
    return _pkey_crypt(key, ciphertext, decrypt=True)
