namespace Cpns.Crypto;

/// <summary>Cipher suites.</summary>
public enum CipherSuite
{
    /// <summary>AES-256-GCM, HKDF-SHA-256, AES-256 label PRG, 256-bit keys.</summary>
    Aes256GcmHkdfSha256 = 1,
}
