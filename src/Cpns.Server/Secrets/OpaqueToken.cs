using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Cpns.Server.Secrets;

/// <summary>
/// Bearer secrets (API keys, enrollment tokens) of the form <c>prefix.id.secret</c>: the id finds the row, and the
/// SHA-256 of the whole token is compared in constant time with the stored hash. The secret is 256 random bits, so a
/// plain (unsalted, fast) hash is enough: there is nothing to brute-force.
/// </summary>
internal static class OpaqueToken
{
    public const int HashSize = 32;
    private const int IdBytes = 8;
    private const int SecretBytes = 32;

    public static (string Id, string Token, byte[] Hash) Create(string prefix, string? id = null)
    {
        id ??= Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(IdBytes));
        var secret = RandomNumberGenerator.GetBytes(SecretBytes);
        var token = $"{prefix}.{id}.{Base64UrlEncode(secret)}";
        CryptographicOperations.ZeroMemory(secret);
        return (id, token, Hash(token));
    }

    public static bool TryParseId(string token, string prefix, [NotNullWhen(true)] out string? id)
    {
        id = null;
        var parts = token.Split('.');
        if (parts.Length != 3 || !string.Equals(parts[0], prefix, StringComparison.Ordinal) || parts[1].Length is 0 or > 32 || parts[2].Length == 0)
        {
            return false;
        }

        id = parts[1];
        return true;
    }

    public static bool Matches(string token, byte[] storedHash)
    {
        var hash = Hash(token);
        return CryptographicOperations.FixedTimeEquals(hash, storedHash);
    }

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
