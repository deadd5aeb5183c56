using System.Security.Cryptography;

namespace Cpns.Crypto;

/// <summary>
/// The symmetric key a Service Group's members share, one per epoch. The CPNS Server creates it
/// (change request 5.3.1 "Create a Group Key") and replaces it with a new epoch on every update.
/// </summary>
public sealed class GroupKey : IDisposable
{
    /// <summary>The size of the key in bytes (256 bits).</summary>
    public const int KeySize = 32;

    private readonly SecretBuffer _key;

    private GroupKey(string groupId, ulong epoch, CipherSuite suite, SecretBuffer key)
    {
        GroupId = groupId;
        Epoch = epoch;
        Suite = suite;
        _key = key;
    }

    /// <summary>The Service Group the key belongs to.</summary>
    public string GroupId { get; }

    /// <summary>The key's version: strictly increasing with every update, starting at 1.</summary>
    public ulong Epoch { get; }

    /// <summary>The suite the key is used with.</summary>
    public CipherSuite Suite { get; }

    internal ReadOnlySpan<byte> KeyBytes => _key.Span;

    /// <summary>Creates a fresh key from the operating system's CSPRNG.</summary>
    /// <param name="groupId">The Service Group id; not empty.</param>
    /// <param name="epoch">The epoch, at least 1.</param>
    public static GroupKey Create(string groupId, ulong epoch)
    {
        CheckIdentity(groupId, epoch);
        return new GroupKey(groupId, epoch, CipherSuite.Aes256GcmHkdfSha256, SecretBuffer.Random(KeySize));
    }

    /// <summary>Wraps key bytes received or loaded from storage. The bytes are copied.</summary>
    public static GroupKey Import(string groupId, ulong epoch, ReadOnlySpan<byte> key)
    {
        CheckIdentity(groupId, epoch);
        if (key.Length != KeySize)
        {
            CryptoThrow.Argument(nameof(key), "A Group Key is 32 bytes.");
        }

        return new GroupKey(groupId, epoch, CipherSuite.Aes256GcmHkdfSha256, new SecretBuffer(key));
    }

    /// <summary>Copies the key bytes into <paramref name="destination"/>, which the caller must wipe.</summary>
    public void ExportKey(Span<byte> destination)
    {
        if (destination.Length < KeySize)
        {
            CryptoThrow.Argument(nameof(destination), "The destination is shorter than 32 bytes.");
        }

        _key.Span.CopyTo(destination);
    }

    /// <summary>Compares the key bytes of two keys in constant time.</summary>
    public bool KeyEquals(GroupKey other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return CryptographicOperations.FixedTimeEquals(_key.Span, other._key.Span);
    }

    /// <summary>Wipes the key bytes.</summary>
    public void Dispose() => _key.Dispose();

    /// <inheritdoc/>
    public override string ToString() => $"GroupKey(group={GroupId}, epoch={Epoch})";

    private static void CheckIdentity(string groupId, ulong epoch)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupId);
        if (epoch == 0)
        {
            CryptoThrow.ArgumentOutOfRange(nameof(epoch), "Epochs start at 1.");
        }
    }
}
