namespace Cpns.Crypto;

/// <summary>
/// Identifies the algorithms that protect a message. Every message carries one suite id so that a
/// later suite can be introduced without ambiguity.
/// </summary>
public enum CipherSuite : ushort
{
    /// <summary>
    /// AES-256-GCM for authenticated encryption, HKDF-SHA-256 for key derivation, an AES-256 based
    /// pseudo-random generator for Subset Difference labels, and 256-bit keys everywhere.
    /// </summary>
    Aes256GcmHkdfSha256 = 1,
}
