namespace Cpns.Protocol;

/// <summary>Cipher suite identifiers carried in <c>Envelope.suite</c> and <c>GroupKeyBroadcast.suite</c>.</summary>
public static class CipherSuites
{
    /// <summary>AES-256-GCM for every AEAD, HKDF-SHA-256 for every derivation. The only suite of version 1.</summary>
    public const uint Aes256GcmHkdfSha256 = 1;

    /// <summary>Returns whether <paramref name="suite"/> is supported by this implementation.</summary>
    /// <param name="suite">A suite identifier from the wire.</param>
    /// <returns><see langword="true"/> for a supported suite.</returns>
    public static bool IsSupported(uint suite) => suite == Aes256GcmHkdfSha256;
}
